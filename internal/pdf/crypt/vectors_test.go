package crypt

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"errors"
	"io"
	"testing"
)

func h(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

type vecStream struct {
	num  uint32
	gen  uint16
	data []byte // encrypted Flate data
}

// vectors are /Encrypt dictionaries, /ID and the smallest Flate stream of
// real files from other projects' test suites (the corpus files named).
// The file keys were computed by this package and confirmed by decrypting
// and inflating the files' streams; the streams here repeat that check
// without the corpus.
var vectors = []struct {
	name      string
	p         Params
	passwords []string // each opens the file
	key       []byte
	stream    *vecStream
}{
	{
		name: "pdf.js issue21579.pdf: R5, user password \"pässwört\"",
		p: Params{
			Filter: "Standard", V: 5, R: 5, Length: 256, P: -1084, EncryptMetadata: true,
			O:  h("11a87c9828ff85b48313afc624b0058f2dd5deab7f8f22b7195d7c70d54dc902e69b607db9189e5e3ccf2727c92ad78d"),
			U:  h("1a535ba22f2dd1cf9f37cf7540fb3a2d0f82d9ea49db2f1e1cfd5118952d3dcc34c814ad2cc29313002d79de31df86a0"),
			OE: h("8258b70fd814a1d61fbb226f93e39f1f2dbf60b91a30449a1dfa5db1e7b91db7"), UE: h("ee4139e2e22728c58b69a73cb2aea4f0a8f759f895c5d1295751820432a238b6"), Perms: h("cb21fa8dceedecea128e0f81d834b379"),
			ID0: h("ebe10ec29fe4d91144c3c193b4289fe6"),
			CF:  map[string]CryptFilter{"StdCF": {CFM: "AESV3", Length: 32}}, StmF: "StdCF", StrF: "StdCF",
		},
		passwords: []string{"pässwört"},
		key:       h("9e80a6b7dc50f3dc47e708131979a118fdac24f5d03041bd9722dc0a093b469d"),
	},
	{
		name: "pdfium encrypted_hello_world_r6.pdf: R6, user \"hôtel\", owner \"âge\"",
		p: Params{
			Filter: "Standard", V: 5, R: 6, Length: 256, P: -4, EncryptMetadata: true,
			O:  h("d80e6106fd39478c8860c9145e896f126c3fa0c9125ad2096d242c075fa621ac992241608cc3d397135a2c0aec96db3b"),
			U:  h("0798ab4b1c93d360f96b8ba41d1add5b7eaf4b110f014de88a57615fdd6f677c1a5e059d15ed6eed88d94c0349583f86"),
			OE: h("9046a22c32d33286559594eaef09b9cf49228b58d02bf5ddc3383df9263282e2"), UE: h("9e304c9fff647b71536db3684c72914cae3882885eb8cf9cfbf3026dae2e1f35"), Perms: h("030e31486569c2d3c03f01e57ece54fc"),
			ID0: h("c3bdd63123ddd08ba09cefaf92048f21"),
			CF:  map[string]CryptFilter{"StdCF": {CFM: "AESV3", Length: 32}}, StmF: "StdCF", StrF: "StdCF",
		},
		passwords: []string{"hôtel", "âge"},
		key:       h("8d46eef6999cd743d7d3c680f8b2e4983d1e64bf870efecc891e2f3e35ccdd70"),
		stream:    &vecStream{4, 0, h("03606661d6eaeabcf2987517ab6f852fae5f9c1eb083127e7fc04b2a3d966998b61c010ed67d0d3eecca04fafaeeb42338189bee52bd8b852a99d40c2608d3f3cc7bbcd9dd9c10c438e5d54f77ad9a0a85214065ee37c65cf748316e0a9348e4")},
	},
	{
		name: "pdf.js bug900822.pdf: RC4-40 (R2), owner password only",
		p: Params{
			Filter: "Standard", V: 1, R: 2, Length: 40, P: -60, EncryptMetadata: true,
			O:  h("83016a0b91ea6d50cc9ba60d02eaf3f2afb428736e66b5ff6420da9707a1f61b"),
			U:  h("f892e657be3f677a91a5e1c11631d9df9323c8a8d281a5599d2ae83aa50b3511"),
			OE: nil, UE: nil, Perms: nil,
			ID0: h("45373634384138442d443739302d343842462d384337332d383043424336364343383541"),
		},
		passwords: []string{""},
		key:       h("fef0d9a180"),
		stream:    &vecStream{15, 0, h("a5953399e389e8d5b5c5a05ff32b4a2b04c4d979bac0a538059c7d3f7f8fcd4368c64fdbf62efd9ddbf723682c3af5d8d9b740e036fbe9ce568151b694b32bc83c864430dab243224c613502e0431e5b0c286924410b2faeedaf5b53f11365d2efcea9058f51e282a20b4cfe3468e8884a4bbc1055a747766b549f40209c80d394ea0d6e21de9291a442b55648010640f91ebee5e547735d3a98bc2dfb6ee57d99aede078cbef8fb8082391f861ac2ba84e974c92d4e5d83451ab29a87f4230bf06860")},
	},
	{
		name: "LibreOffice (pypdf sample-files): RC4-128 (R3), user \"openpassword\", owner \"permissionpassword\"",
		p: Params{
			Filter: "Standard", V: 2, R: 3, Length: 128, P: -1028, EncryptMetadata: true,
			O:  h("27ee85c8447a38715eae7d6003dc487619ca05a05b68b65eccaa26394df7169c"),
			U:  h("8fc5f6b7b6105307bb68b58098b6884800000000000000000000000000000000"),
			OE: nil, UE: nil, Perms: nil,
			ID0: h("401d00642aa19414cca931828bf769b3"),
		},
		passwords: []string{"openpassword", "permissionpassword"},
		key:       h("a00b076fe09db742602e800e57f0efac"),
		stream:    &vecStream{8, 0, h("82516e43c236a755c7866d59377e2a065d4a347e43401a8eb3cb1f9bb657d2a60a23ef3bb36fc4f81a3143391db0258159f120c23f46f72ce70f5c3fc6856756be814c9d2d3293e4c42bfd92a5bbd7fc61a26295b6386977d9ece332b180262843e504788bd6c5c90e14d2e0adccb109e52729bd8e2bd46418d6301eb66ea0dc9056653d31df4432d0890582a4278092234a293149b60f8dc62015f5d9c71da8c1766cd1827d27c21c32b4b270bf324747c018b783640e39844b23be4f433a4c6d1a6372ca831bb6c900ff0a91504c5e67e66d486aef32235bc5ff2738579377379a4aff9ca153e524f7ab5c9a0196578f443fe9fc15fa49d318b9d39ab6426d59ad4653d4094b2802d85d199203bedd8fef1536e375a2952884b9abc56e004d484897459792d8dc5cf95275339cada1cbce923124a42524939bb5fde7c4700196a34e10d5b81f0f86f4452b77a829b2f91548c98df831")},
	},
	{
		name: "qpdf 20-pages.pdf: RC4-128 (R3), user \"user\"",
		p: Params{
			Filter: "Standard", V: 2, R: 3, Length: 128, P: -4, EncryptMetadata: true,
			O:  h("0ba3835f88f90388e74e54584125ce142be0de24c6b0d37746e075b891756671"),
			U:  h("5c8df9f98e7a250ede08fcd238dfdfe70122456a91bae5134273a6db134c87c4"),
			OE: nil, UE: nil, Perms: nil,
			ID0: h("e032a88c7a987db6ca3abee555506ccc"),
		},
		passwords: []string{"user"},
		key:       h("100521537177216426941b24d57b9ba9"),
		stream:    &vecStream{24, 0, h("cfae1591860e506d9bbe6c6b2e191186d762836051521795480160230d69c4cb6127527872a4a11fe1bb6c386dcb2fbd8e9b1d761d")},
	},
	{
		name: "qpdf V4-aes.pdf: AES-128 (V4 R4), empty user password",
		p: Params{
			Filter: "Standard", V: 4, R: 4, Length: 128, P: -4, EncryptMetadata: true,
			O:  h("36451bd39d753b7c1d10922c28e6665aa4f3353fb0348b536893e3b1db5c579b"),
			U:  h("32c27288b9ec6a4fab94e6188828595c0122456a91bae5134273a6db134c87c4"),
			OE: nil, UE: nil, Perms: nil,
			ID0: h("66d36a30a97e0f16f39955c6221e0c2a"),
			CF:  map[string]CryptFilter{"StdCF": {CFM: "AESV2", Length: 16}}, StmF: "StdCF", StrF: "StdCF",
		},
		passwords: []string{""},
		key:       h("474258b004f2ce0017adeb6e79574357"),
		stream:    &vecStream{40, 0, h("0e1c2a38465462707e8c9aa8b6c4d2e02bb0dcdb5ab07fe7165e78e0f28dd4d1ccc9f16c02c6e366f14e3fe82295aeadc1959464a2712994c3fdc88e776cd59dacc0030ecdcd307e23571f9efac9e2a4")},
	},
	{
		name: "qpdf enc-XI-R6,V5,U=wwwww,O=wwwww.pdf: AES-256 (R6)",
		p: Params{
			Filter: "Standard", V: 5, R: 6, Length: 256, P: -4, EncryptMetadata: true,
			O:  h("d71a469ff2e482abdf5fc3b4958b41913f3f6a37b243a6aecd4d210b898030f60a3e0f56e575c428eb961567771c042c"),
			U:  h("aeb5ac2058f4d369626e091306b82f756b8d030c0b463bb5efbb6ac61fa2ce9b95fae08449638c55c90a33f21cdbfc02"),
			OE: h("a90a97da7740aac8b032877a57447ad43b73e112d050812247eb3a28e5216674"), UE: h("cb99250e31f725b6024ba2c805d66bad95c268bae1864a8a7e91d25ab6dff25f"), Perms: h("0e8fface0f6ba6081f89ec786d5983c9"),
			ID0: h("7f25422ce0bde941bb4347fd74e2b041"),
			CF:  map[string]CryptFilter{"StdCF": {CFM: "AESV3", Length: 32}}, StmF: "StdCF", StrF: "StdCF",
		},
		passwords: []string{"wwwww"},
		key:       h("d495d192a2e946e9119d7dc5025205f7c57d012fc9e1a2063c4431a380c31a3f"),
		stream:    &vecStream{50, 0, h("f2e6238d610706e8bba5acbc3ede63a4a08546a1bc6c63ddfedfec3e7fb3b4d3d28b4803ec3451f18d3cb5415febd84490a937862d737166fc3bb9bbb943a2e7760b5dcc211fcb5592c687fb319d4b5a")},
	},
}

func TestKnownVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			for _, pw := range v.passwords {
				hd, err := New(v.p, []byte(pw))
				if err != nil {
					t.Fatalf("password %q: %v", pw, err)
				}
				if !bytes.Equal(hd.key, v.key) {
					t.Fatalf("password %q: key %x, want %x", pw, hd.key, v.key)
				}
				if v.p.R >= 5 && !permsOK(hd.key, v.p) {
					t.Errorf("password %q: /Perms does not decrypt to the permissions", pw)
				}
				if v.stream != nil {
					plain, err := hd.DecryptStream(v.stream.num, v.stream.gen, v.stream.data)
					if err != nil {
						t.Fatal(err)
					}
					zr, err := zlib.NewReader(bytes.NewReader(plain))
					if err == nil {
						_, err = io.Copy(io.Discard, zr)
					}
					if err != nil {
						t.Fatalf("decrypted stream does not inflate: %v", err)
					}
				}
			}
			if v.passwords[0] != "" {
				if _, err := New(v.p, nil); !errors.Is(err, ErrPassword) {
					t.Errorf("empty password: %v, want ErrPassword", err)
				}
			}
		})
	}
}

// permsOK checks /Perms (revisions 5 and 6): AES-256-ECB with the file key
// gives the low 32 bits of /P, then "adb" at bytes 9-11. It confirms the
// file key independently of /U.
func permsOK(key []byte, p Params) bool {
	if len(p.Perms) < 16 {
		return false
	}
	b := aesNoPad(key, p.Perms[:16], false)
	pv := int32(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24)
	return pv == p.P && string(b[9:12]) == "adb"
}
