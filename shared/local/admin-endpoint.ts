/** Where a running `npm start` records its DynamoDB Local endpoint, under the data directory. */
export const ENDPOINT_FILE = 'dynamodb-endpoint.json';
