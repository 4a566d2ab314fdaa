#!/bin/sh
# Runs DynamoDB Local's java (its arguments come from shared/local/dynamodb-local.ts) and stops
# it when the Node process that started it closes this script's stdin: on a normal stop, and
# also when that process dies without cleaning up. An asynchronous command's stdin is
# /dev/null unless redirected, hence fd 3.
#
# -XX:+UseSerialGC: DynamoDB Local allocates a great deal per request (Jackson trees of every
# item) and these machines have two cores; G1's concurrent threads then compete with the
# JVM's own request threads and with Node. Serial collection measured 15-25 % less JVM CPU per
# imported member (docs/imports.md, "Performance"). DYNAMODB_LOCAL_JAVA_OPTS replaces it.
exec 3<&0
opts=${DYNAMODB_LOCAL_JAVA_OPTS--XX:+UseSerialGC}
java $opts "$@" </dev/null &
pid=$!
(cat <&3 >/dev/null; kill "$pid" 2>/dev/null) &
wait "$pid"
