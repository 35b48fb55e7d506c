// Package crypt implements the PDF standard security handler (ISO 32000-1,
// 7.6, and ISO 32000-2 for revision 6): password authentication, the file
// encryption key, and decryption of strings and streams with RC4 (40 to 128
// bits), AES-128 (AESV2) and AES-256 (AESV3, revisions 5 and 6).
//
// It owns the cryptography only. Reading the /Encrypt dictionary and the
// trailer /ID, deciding which objects are encrypted (not the /Encrypt
// dictionary itself, not cross-reference streams, not metadata when
// /EncryptMetadata is false) and /Crypt filters on single streams belong to
// internal/pdf.
//
// The writer side (Setup, EncryptString, EncryptStream) exists so that the
// fixture generator can produce encrypted files.
//
// The package imports only the standard library and nothing of ours.
package crypt
