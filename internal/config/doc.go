// Package config is the one canonical dataplus configuration: its defaults,
// the optional JSON file, the DATAPLUS_* environment and the command-line
// flags, applied in that order (later wins), and validated once.
//
// Every flag has an environment twin whose name is derived from it
// (--max-file-size -> DATAPLUS_MAX_FILE_SIZE), so containers need no
// wrapper scripts. Each package gets its typed part of the result; nothing
// reads configuration through string keys after Load. The package imports
// the packages whose settings it holds, and no others of ours.
package config
