module zseg

go 1.19
