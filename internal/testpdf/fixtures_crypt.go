package testpdf

import "fmt"

// cryptFixtures are encrypted with the standard security handler, one per
// method with an empty user password (the file opens; strings and streams
// must be decrypted) and two that need a user password.
func cryptFixtures() []Fixture {
	return []Fixture{
		cryptFixture("rc4_40", "RC4-40", "1.3", ""),
		cryptFixture("rc4_128", "RC4-128", "1.4", ""),
		cryptFixture("aes_128", "AES-128", "1.6", ""),
		cryptFixture("aes_256", "AES-256", "1.7", ""),
		cryptFixture("rc4_128_userpw", "RC4-128", "1.4", "secret"),
		cryptFixture("aes_256_userpw", "AES-256", "1.7", "secret"),
	}
}

// Permission bits (/P). Files that open with the empty password grant
// everything; the password-protected ones grant nothing (only the bits
// ISO 32000 says must be set: 7, 8 and 13-32).
const (
	permAll  int32 = -4    // 0xFFFFFFFC
	permNone int32 = -3904 // 0xFFFFF0C0
)

const ownerPassword = "owner"

func cryptFixture(name, method, version, user string) Fixture {
	b := newBook(version, name)
	title := "Encrypted with " + method
	b.textPage(200, title+", page 1")
	b.textPage(201, title+", page 2")
	b.info(simpleInfo(title))
	if method == "AES-256" {
		// AES-256 (R6) is PDF 2.0, or PDF 1.7 with Adobe's extension
		// level 8, which is how Acrobat marks it.
		b.catalog["Extensions"] = Dict{"ADBE": Dict{"BaseVersion": Name("1.7"), "ExtensionLevel": 8}}
	}
	d := b.done()
	p := permAll
	if user != "" {
		p = permNone
	}
	if err := d.Encrypt(method, user, ownerPassword, p); err != nil {
		panic(fmt.Sprintf("testpdf: %s: %v", name, err))
	}
	w := Want{
		Pages:        2,
		Route:        DocBornDigital,
		PageRoutes:   textRoutes(2),
		Encrypted:    true,
		Method:       method,
		P:            p,
		Version:      version,
		XRefKind:     "table",
		XRefSections: 1,
		Title:        title,
		Producer:     producer,
		CreationDate: creationRFC3339,
		WellFormed:   true,
		Note:         "empty user password, owner password \"owner\": opens without a password; info strings and content streams are encrypted",
	}
	if user != "" {
		w.Route, w.PageRoutes = "", nil
		w.ErrKind = ErrEncrypted
		w.NeedsPassword = true
		w.Password = user
		w.Title, w.Producer, w.CreationDate = "", "", ""
		w.Note = "user password \"" + user + "\": the page tree (not encrypted) still gives the page count; strings and streams need the password"
	}
	return Fixture{Name: name, Data: d.Save(SaveOptions{}), Want: w}
}
