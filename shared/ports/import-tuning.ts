/** How an import is tuned: members per provider page, pages in parallel, BatchWrites in parallel per page. */
export interface ImportTuning {
  pageSize: number;
  pageConcurrency: number;
  writeConcurrency: number;
}
