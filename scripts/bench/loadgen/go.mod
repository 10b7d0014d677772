module dvara/loadgen

go 1.22
