module keyra.dev/sdk/v1

go 1.19
