/** Resolves a host name to its addresses (the system's DNS; tests answer differently per call). */
export type HostResolver = (host: string) => Promise<readonly { address: string; family: number }[]>;
