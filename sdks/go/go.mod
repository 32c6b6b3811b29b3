module keyra.dev/sdk

go 1.19
