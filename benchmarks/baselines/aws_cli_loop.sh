#!/usr/bin/env bash
# What the seed toolchain does per thing: one `aws` process per call, one thing at a time.
# Usage: aws_cli_loop.sh COUNT BASE_NAME POLICY OUT_DIR   (AWS_CLI names the aws executable)
set -euo pipefail

count=$1
base=$2
policy=$3
out=$4
aws=${AWS_CLI:-aws}

for ((index = 0; index < count; index++)); do
    name="${base}_${index}"
    folder="$out/$name"
    mkdir -p "$folder"
    "$aws" iot create-thing --thing-name "$name" > /dev/null
    arn=$("$aws" iot create-keys-and-certificate --set-as-active \
        --certificate-pem-outfile "$folder/certificate.pem.crt" \
        --private-key-outfile "$folder/private.pem.key" \
        --query certificateArn --output text)
    "$aws" iot attach-thing-principal --thing-name "$name" --principal "$arn"
    "$aws" iot attach-policy --policy-name "$policy" --target "$arn"
done
