/**
 * The one shape of a single-item write with a condition: true when it was written, false when
 * its condition refused it (DynamoDB's ConditionalCheckFailedException); any other failure is
 * thrown. Callers decide what a refusal means (already done, someone else's, not found).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DeleteCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

export async function writeIf(db: DynamoDBDocumentClient, command: PutCommand | UpdateCommand | DeleteCommand): Promise<boolean> {
  try {
    // The three commands share the client's send; the union needs one signature.
    await db.send(command as UpdateCommand);
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
