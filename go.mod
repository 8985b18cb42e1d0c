module github.com/vigilcp/vigil

go 1.26.8

require github.com/coregx/ahocorasick v0.3.1
