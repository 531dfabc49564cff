package storage

import "io/fs"

// mustSub is fs.Sub for a folder embedded in this binary, which always exists.
func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
