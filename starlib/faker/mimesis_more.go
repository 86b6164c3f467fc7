package faker

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/brianvoe/gofakeit/v7/data"
	"github.com/eventum-go/eventum/starlib"
	"github.com/eventum-go/eventum/starlib/guard"
	"go.starlark.net/starlark"
	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/blake2s"
)

// mimesisProviders are the providers of mimesis' Generic: the base six and
// the ones below; a later table's method replaces an earlier one's.
var mimesisProviders = func() map[string]map[string]fakerFn {
	out := map[string]map[string]fakerFn{}
	for _, src := range []map[string]map[string]fakerFn{mimesisBaseProviders, mimesisMoreProviders} {
		for p, methods := range src {
			if out[p] == nil {
				out[p] = map[string]fakerFn{}
			}
			for k, v := range methods {
				out[p][k] = v
			}
		}
	}
	return out
}()

// mimesisData are the word lists of the providers below, built on first use.
type mimesisData struct {
	cpu, cpuCodename, graphics, manufacturer, phoneModel, resolution, screenSize table
	fruit, vegetable, dish, drink, spices                                        table
	carMaker, airplane                                                           table
	license, progLang, os, stage, quality                                        table
	language, university, degree, views, political, worldview                    table
	currencySymbol, stockName, stockExchange, cryptoSymbol                       table
	continent, continentCode, callingCode                                        table
	measure                                                                      [][2]string
	prefixPos, prefixNeg                                                         [][2]string
	mnemonic, users                                                              table
	periodicity, statusMessage                                                   table
}

var loadMimesisData = sync.OnceValue(func() *mimesisData {
	t := func(s string) table { return newTable(strings.Split(s, "|")) }
	var progs []string
	for _, p := range data.Languages["programming"] {
		if p != "" {
			progs = append(progs, p)
		}
	}
	var langs []string
	for _, l := range data.Languages["long"] {
		if l != "" {
			langs = append(langs, l)
		}
	}
	return &mimesisData{
		cpu:            t("AMD Ryzen 7 1800X|AMD Ryzen 9 5950X|AMD Ryzen 5 3600|AMD EPYC 7763|Intel Core i3|Intel Core i5|Intel Core i7|Intel Core i9|Intel Xeon Gold 6338|Apple M1|Apple M2|Apple M3"),
		cpuCodename:    t("Cannonlake|Coffee Lake|Comet Lake|Ice Lake|Tiger Lake|Alder Lake|Raptor Lake|Zen|Zen 2|Zen 3|Zen 4|Skylake|Kaby Lake|Broadwell|Haswell"),
		graphics:       t("Intel Iris Xe Graphics|Intel UHD Graphics 630|NVIDIA GeForce RTX 3060|NVIDIA GeForce RTX 4090|NVIDIA GeForce GTX 1080 Ti|AMD Radeon RX 6800|AMD Radeon RX 7900 XTX|Apple M2 GPU|NVIDIA Quadro RTX 5000"),
		manufacturer:   t("Apple|Acer|Dell|ASUS|VAIO|Lenovo|HP|Toshiba|Sony|Samsung|Fujitsu|MSI|Microsoft"),
		phoneModel:     t("iPhone 13|iPhone 14 Pro|iPhone 15|Galaxy S22|Galaxy S23 Ultra|Pixel 7|Pixel 8 Pro|OnePlus 11|Xperia 1 V|Moto G84|Redmi Note 12|Nokia G42"),
		resolution:     t("1152x768|1280x854|1440x960|2880x1920|1024x768|1152x864|1280x960|1400x1050|1600x1200|2048x1536|3200x2400|1280x768|1280x1024|2560x2048|1280x720|1365x768|1600x900|1920x1080|2560x1440|3840x2160"),
		screenSize:     t(`13.3″|14″|15.4″|15.6″|16″|17″|21.5″|23.8″|24″|27″|32″`),
		fruit:          newTable(data.Food["fruit"]),
		vegetable:      newTable(data.Food["vegetable"]),
		dish:           newTable(append(append([]string{}, data.Food["lunch"]...), data.Food["dinner"]...)),
		drink:          newTable(data.Food["drink"]),
		spices:         t("Allspice|Anise|Basil|Bay leaf|Black pepper|Caraway|Cardamom|Cayenne|Cinnamon|Cloves|Coriander|Cumin|Dill|Fennel|Ginger|Marjoram|Nutmeg|Oregano|Paprika|Rosemary|Saffron|Sage|Thyme|Turmeric|Vanilla"),
		carMaker:       newTable(data.Car["maker"]),
		airplane:       t("Airbus A220|Airbus A320|Airbus A321neo|Airbus A330|Airbus A350|Airbus A380|Boeing 737|Boeing 747|Boeing 767|Boeing 777|Boeing 787|Embraer E190|Bombardier CRJ900|ATR 72"),
		license:        t("Apache License, 2.0 (Apache-2.0)|The BSD 3-Clause License|The BSD 2-Clause License|GNU General Public License (GPL)|General Public License (LGPL)|MIT License (MIT)|Mozilla Public License 2.0 (MPL-2.0)|Common Development and Distribution License (CDDL-1.0)|Eclipse Public License (EPL-1.0)"),
		progLang:       newTable(progs),
		os:             t("Arch|CentOS|Debian|Fedora|FreeBSD|Gentoo|Kali|Lubuntu|Manjaro|Mint|OS X|macOS|OpenBSD|PCLinuxOS|Slackware|Ubuntu|Windows 10|Windows 11|Windows 7|Windows 8|Windows 8.1|Zorin|elementaryOS|macOS|openSUSE"),
		stage:          t("Pre-alpha|Alpha|Beta|Release Candidate|Release"),
		quality:        t("accessibility|availability|compatibility|durability|efficiency|extensibility|maintainability|portability|reliability|reusability|scalability|security|testability|usability"),
		language:       newTable(langs),
		university:     t("Massachusetts Institute of Technology|Stanford University|Harvard University|University of Cambridge|University of Oxford|ETH Zurich|Imperial College London|University of Tokyo|Sorbonne University|Technical University of Munich|University of Toronto|Moscow State University"),
		degree:         t("Bachelor|Master|PhD"),
		views:          t("Negative|Neutral|Positive|Compromisable|Uncompromising"),
		political:      t("Apathetic|Communist|Conservative|Liberal|Libertarian|Moderate|Socialist"),
		worldview:      t("Agnosticism|Atheism|Buddhism|Christianity|Deism|Hinduism|Islam|Judaism|Pantheism|Secular humanism"),
		currencySymbol: t("$|€|£|¥|₽|₹|₩|₺|₴|₿|₪|₫"),
		stockName:      t("Apple Inc.|Microsoft Corporation|Alphabet Inc.|Amazon.com Inc.|NVIDIA Corporation|Tesla Inc.|Meta Platforms Inc.|Netflix Inc.|Intel Corporation|Oracle Corporation|Cisco Systems Inc.|Adobe Inc."),
		stockExchange:  t("NYSE|NASDAQ|LSE|JPX|SSE|HKEX|Euronext|TSX|SIX|FWB"),
		cryptoSymbol:   t("₿|Ξ|Ł|Ð|ɱ|₮"),
		continent:      t("Africa|Antarctica|Asia|Australia|Europe|North America|South America"),
		continentCode:  t("AF|NA|OC|AN|AS|EU|SA"),
		callingCode:    newTable(callingCodes),
		measure: [][2]string{{"mass", "gr"}, {"information", "b"}, {"thermodynamic_temperature", "K"}, {"amount_of_substance", "mol"},
			{"angle", "°"}, {"solid_angle", "㏛"}, {"frequency", "Hz"}, {"force", "N"}, {"pressure", "P"}, {"energy", "J"},
			{"power", "W"}, {"flow", "W"}, {"electric_charge", "C"}, {"voltage", "V"}, {"electric_capacitance", "F"},
			{"electrical_resistance", "Ω"}, {"electrical_conductance", "S"}, {"magnetic_flux", "Wb"}, {"magnetic_flux_density", "T"},
			{"inductance", "H"}, {"temperature", "°C"}, {"radioactivity", "Bq"}},
		prefixPos:   [][2]string{{"yotta", "Y"}, {"zetta", "Z"}, {"exa", "E"}, {"peta", "P"}, {"tera", "T"}, {"giga", "G"}, {"mega", "M"}, {"kilo", "k"}, {"hecto", "h"}, {"deca", "da"}},
		prefixNeg:   [][2]string{{"deci", "d"}, {"centi", "c"}, {"milli", "m"}, {"micro", "μ"}, {"nano", "n"}, {"pico", "p"}, {"femto", "f"}, {"atto", "a"}, {"zepto", "z"}, {"yocto", "y"}},
		mnemonic:    newTable(data.Word["noun_common"]),
		users:       t("alice|bob|carol|dave|eve|frank|grace|heidi|ivan|judy|mallory|oscar|peggy|trent|victor|walter"),
		periodicity: t("Never|Once|Daily|Weekly|Monthly|Yearly"),
		statusMessage: t("100 Continue|101 Switching Protocols|200 OK|201 Created|202 Accepted|204 No Content|301 Moved Permanently|302 Found|304 Not Modified|" +
			"400 Bad Request|401 Unauthorized|403 Forbidden|404 Not Found|405 Method Not Allowed|409 Conflict|418 I'm a teapot|429 Too Many Requests|" +
			"500 Internal Server Error|502 Bad Gateway|503 Service Unavailable|504 Gateway Timeout"),
	}
})

// mimesisExtensions are mimesis' file extensions by FileType.
var mimesisExtensions = map[string][]string{
	"SOURCE":     {".a", ".asm", ".asp", ".awk", ".c", ".class", ".cpp", ".pl", ".js", ".java", ".clj", ".py", ".rb", ".hs", ".erl", ".rs", ".swift", ".html", ".json", ".xml", ".css", ".php", ".jl", ".r", ".cs", ".d", ".kt", ".go"},
	"TEXT":       {".doc", ".docx", ".log", ".rtf", ".md", ".pdf", ".odt", ".txt"},
	"DATA":       {".csv", ".dat", ".ged", ".pps", ".ppt", ".pptx"},
	"AUDIO":      {".flac", ".mp3", ".m3u", ".m4a", ".wav", ".wma"},
	"VIDEO":      {".3gp", ".mp4", ".abi", ".m4v", ".mov", ".mpg", ".wmv"},
	"IMAGE":      {".bmp", ".jpg", ".jpeg", ".png", ".svg"},
	"EXECUTABLE": {".apk", ".app", ".bat", ".jar", ".com", ".exe"},
	"COMPRESSED": {".7z", ".war", ".zip", ".tar.gz", ".tar.xz", ".rar"},
}

var mimesisFileTypes = sortedKeys(mimesisExtensions)

func (g *gen) mimesisExtension(fn string, v starlark.Value) (string, error) {
	ft, err := enumArg(fn, "file_type", "FileType", v)
	if err != nil {
		return "", err
	}
	if ft == "" {
		ft = mimesisFileTypes[g.r.IntN(len(mimesisFileTypes))]
	}
	exts := mimesisExtensions[ft]
	return exts[g.r.IntN(len(exts))], nil
}

// pick returns a method picking from a mimesis data table.
func pickM(sel func(d *mimesisData) table) fakerFn {
	return noArgs(func(g *gen, _ *localeData) starlark.Value { return g.pick(sel(loadMimesisData())) })
}

// maskFn implements mimesis' custom_code-style masks: '@' a letter, '#' a
// digit (pin, issn, identifier).
func maskFn(param, def string) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		mask := def
		if len(args) > 0 || len(kwargs) > 0 {
			if err := starlark.UnpackArgs(fn, args, kwargs, param+"?", &mask); err != nil {
				return nil, err
			}
		}
		g.buf = g.appendMask(g.buf[:0], mask, '@', '#')
		return g.result(), nil
	}
}

func (g *gen) appendMask(b []byte, mask string, char, digit byte) []byte {
	for i := 0; i < len(mask); i++ {
		switch c := mask[i]; c {
		case char:
			b = append(b, upperLetters[g.r.IntN(26)])
		case digit:
			b = append(b, digits[g.r.IntN(10)])
		default:
			b = append(b, c)
		}
	}
	return b
}

var mimesisHashes = map[string]func() hash.Hash{
	"MD5": md5.New, "SHA1": sha1.New, "SHA224": sha256.New224, "SHA256": sha256.New,
	"SHA384": sha512.New384, "SHA512": sha512.New,
	"BLAKE2B": func() hash.Hash { h, _ := blake2b.New512(nil); return h },
	"BLAKE2S": func() hash.Hash { h, _ := blake2s.New256(nil); return h },
}

// randomBytes returns n bytes from the generator's RNG.
func (g *gen) randomBytes(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := g.r.Uint64()
		for j := i; j < n && j < i+8; j++ {
			b[j] = byte(v >> (8 * (j - i)))
		}
	}
	return b
}

func entropyFn(enc func([]byte) starlark.Value) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		n := 32
		if len(args) > 0 || len(kwargs) > 0 {
			if err := starlark.UnpackArgs(fn, args, kwargs, "entropy?", &n); err != nil {
				return nil, err
			}
		}
		if err := guard.CheckCount(fn, "entropy", int64(n), 1); err != nil {
			return nil, err
		}
		return enc(g.randomBytes(max(n, 0))), nil
	}
}

func genderArg(fn string, v starlark.Value) error {
	_, err := enumArg(fn, "gender", "Gender", v)
	return err
}

var mimesisMoreProviders = map[string]map[string]fakerFn{
	"code": {
		"locale_code": noArgs(func(g *gen, _ *localeData) starlark.Value {
			m := mimesisEnumDefs["Locale"]
			return starlark.String(m[g.r.IntN(len(m))][1])
		}),
		"issn": maskFn("mask", "####-####"),
		"pin":  maskFn("mask", "####"),
		"isbn": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var format, locale starlark.Value = starlark.None, starlark.None
			if err := starlark.UnpackArgs(fn, args, kwargs, "fmt?", &format, "locale?", &locale); err != nil {
				return nil, err
			}
			f, err := enumArg(fn, "fmt", "ISBNFormat", format)
			if err != nil {
				return nil, err
			}
			if f == "" {
				f = [...]string{"ISBN10", "ISBN13"}[g.r.IntN(2)]
			}
			return isbnFn(f == "ISBN13")(g, nil, fn, nil, nil)
		},
		"ean": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var format starlark.Value = starlark.None
			if err := starlark.UnpackArgs(fn, args, kwargs, "fmt?", &format); err != nil {
				return nil, err
			}
			f, err := enumArg(fn, "fmt", "EANFormat", format)
			if err != nil {
				return nil, err
			}
			if f == "" {
				f = [...]string{"EAN8", "EAN13"}[g.r.IntN(2)]
			}
			n := 13
			if f == "EAN8" {
				n = 8
			}
			return eanFn(n)(g, nil, fn, nil, nil)
		},
		"imei": noArgs(func(g *gen, _ *localeData) starlark.Value {
			tacs := [...]string{"35", "01", "86", "99"}
			b := append(g.buf[:0], tacs[g.r.IntN(len(tacs))]...)
			for len(b) < 14 {
				b = append(b, digits[g.r.IntN(10)])
			}
			sum := 0
			for i := 13; i >= 0; i-- {
				d := int(b[i] - '0')
				if (13-i)%2 == 0 {
					d *= 2
					if d > 9 {
						d -= 9
					}
				}
				sum += d
			}
			g.buf = append(b, byte('0'+(10-sum%10)%10))
			return g.result()
		}),
	},
	"cryptographic": {
		"uuid": noArgs(func(g *gen, _ *localeData) starlark.Value { return g.uuid4() }),
		"uuid_object": noArgs(func(g *gen, _ *localeData) starlark.Value {
			var u starlib.UUID
			h, _ := hex.DecodeString(strings.ReplaceAll(string(g.uuid4().(starlark.String)), "-", ""))
			copy(u[:], h)
			return u
		}),
		"hash": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var alg starlark.Value = starlark.None
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "algorithm?", &alg); err != nil {
					return nil, err
				}
			}
			a, err := enumArg(fn, "algorithm", "Algorithm", alg)
			if err != nil {
				return nil, err
			}
			if a == "" {
				names := sortedKeys(mimesisHashes)
				a = names[g.r.IntN(len(names))]
			}
			h := mimesisHashes[a]()
			h.Write(g.randomBytes(16))
			return starlark.String(hex.EncodeToString(h.Sum(nil))), nil
		},
		"token_bytes":   entropyFn(func(b []byte) starlark.Value { return starlark.Bytes(b) }),
		"token_hex":     entropyFn(func(b []byte) starlark.Value { return starlark.String(hex.EncodeToString(b)) }),
		"token_urlsafe": entropyFn(func(b []byte) starlark.Value { return starlark.String(base64.RawURLEncoding.EncodeToString(b)) }),
		"mnemonic_phrase": noArgs(func(g *gen, _ *localeData) starlark.Value {
			d := loadMimesisData()
			n := [...]int{12, 24}[g.r.IntN(2)]
			b := g.buf[:0]
			for i := range n {
				if i > 0 {
					b = append(b, ' ')
				}
				b = append(b, strings.ToLower(g.pickS(d.mnemonic))...)
			}
			g.buf = b
			return g.result()
		}),
	},
	"payment": {
		"cid": noArgs(func(g *gen, _ *localeData) starlark.Value {
			g.buf = g.appendPattern(g.buf[:0], "####", digits)
			return g.result()
		}),
		"cvv": noArgs(func(g *gen, _ *localeData) starlark.Value {
			g.buf = g.appendPattern(g.buf[:0], "###", digits)
			return g.result()
		}),
		"paypal": noArgs(func(g *gen, _ *localeData) starlark.Value { return g.email(emailFree) }),
		"bitcoin_address": noArgs(func(g *gen, _ *localeData) starlark.Value {
			const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
			b := append(g.buf[:0], "13"[g.r.IntN(2)])
			g.buf = g.appendRandom(b, 33, alphabet)
			return g.result()
		}),
		"ethereum_address": noArgs(func(g *gen, _ *localeData) starlark.Value {
			b := append(g.buf[:0], "0x"...)
			g.buf = g.appendRandom(b, 40, hexLower)
			return g.result()
		}),
		"credit_card_network": noArgs(func(g *gen, _ *localeData) starlark.Value {
			return starlark.String([...]string{"Visa", "MasterCard", "Chase", "American Express", "Discover"}[g.r.IntN(5)])
		}),
		"credit_card_number": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var ct starlark.Value = starlark.None
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "card_type?", &ct); err != nil {
					return nil, err
				}
			}
			c, err := enumArg(fn, "card_type", "CardType", ct)
			if err != nil {
				return nil, err
			}
			if c == "" {
				c = [...]string{"VISA", "MASTER_CARD", "AMERICAN_EXPRESS"}[g.r.IntN(3)]
			}
			info := map[string]ccInfo{"VISA": ccInfos["visa16"], "MASTER_CARD": ccInfos["mastercard"], "AMERICAN_EXPRESS": ccInfos["amex"]}[c]
			num := g.appendCardNumber(nil, info)
			// mimesis groups the digits: 4-4-4-4, or 4-6-5 for American Express
			groups := []int{4, 4, 4, 4}
			if c == "AMERICAN_EXPRESS" {
				groups = []int{4, 6, 5}
			}
			b := g.buf[:0]
			at := 0
			for i, n := range groups {
				if i > 0 {
					b = append(b, ' ')
				}
				b = append(b, num[at:at+n]...)
				at += n
			}
			g.buf = b
			return g.result(), nil
		},
		"credit_card_expiration_date": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			lo, hi := 16, 25
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "minimum?", &lo, "maximum?", &hi); err != nil {
					return nil, err
				}
			}
			b := appendPadded(g.buf[:0], g.intBetween(1, 12), 2)
			b = append(b, '/')
			g.buf = appendPadded(b, g.intBetween(lo, hi), 2)
			return g.result(), nil
		},
		"credit_card_owner": func(g *gen, l *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var gender starlark.Value = starlark.None
			if err := starlark.UnpackArgs(fn, args, kwargs, "gender?", &gender); err != nil {
				return nil, err
			}
			if err := genderArg(fn, gender); err != nil {
				return nil, err
			}
			num := g.appendCardNumber(nil, ccInfos["visa16"])
			d := starlark.NewDict(3)
			_ = d.SetKey(starlark.String("credit_card"), starlark.String(fmt.Sprintf("%s %s %s %s", num[:4], num[4:8], num[8:12], num[12:])))
			exp := fmt.Sprintf("%02d/%02d", g.intBetween(1, 12), g.intBetween(16, 25))
			_ = d.SetKey(starlark.String("expiration_date"), starlark.String(exp))
			_ = d.SetKey(starlark.String("owner"), starlark.String(strings.ToUpper(string(g.fullName(l).(starlark.String)))))
			return d, nil
		},
	},
	"hardware": {
		"resolution":   pickM(func(d *mimesisData) table { return d.resolution }),
		"screen_size":  pickM(func(d *mimesisData) table { return d.screenSize }),
		"cpu":          pickM(func(d *mimesisData) table { return d.cpu }),
		"cpu_codename": pickM(func(d *mimesisData) table { return d.cpuCodename }),
		"graphics":     pickM(func(d *mimesisData) table { return d.graphics }),
		"manufacturer": pickM(func(d *mimesisData) table { return d.manufacturer }),
		"phone_model":  pickM(func(d *mimesisData) table { return d.phoneModel }),
		"cpu_frequency": noArgs(func(g *gen, _ *localeData) starlark.Value {
			return starlark.String(fmt.Sprintf("%.1fGHz", 1.5+float64(g.r.IntN(29))/10))
		}),
		"generation": noArgs(func(g *gen, _ *localeData) starlark.Value {
			return starlark.String([...]string{"2nd Generation", "3rd Generation", "4th Generation", "5th Generation", "6th Generation", "7th Generation", "8th Generation", "9th Generation", "10th Generation", "11th Generation", "12th Generation", "13th Generation"}[g.r.IntN(12)])
		}),
		"ram_type": noArgs(func(g *gen, _ *localeData) starlark.Value {
			return starlark.String([...]string{"DDR", "DDR2", "DDR3", "DDR4", "DDR5", "SDRAM"}[g.r.IntN(6)])
		}),
		"ram_size": noArgs(func(g *gen, _ *localeData) starlark.Value {
			return starlark.String([...]string{"4GB", "8GB", "12GB", "16GB", "32GB", "64GB", "128GB"}[g.r.IntN(7)])
		}),
		"ssd_or_hdd": noArgs(func(g *gen, _ *localeData) starlark.Value {
			sizes := [...]string{"64GB", "128GB", "256GB", "512GB", "1TB", "2TB", "4TB"}
			kind := [...]string{"SSD", "HDD"}[g.r.IntN(2)]
			return starlark.String(sizes[g.r.IntN(len(sizes))] + " " + kind)
		}),
	},
	"file": {
		"extension": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var ft starlark.Value = starlark.None
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "file_type?", &ft); err != nil {
					return nil, err
				}
			}
			e, err := g.mimesisExtension(fn, ft)
			if err != nil {
				return nil, err
			}
			return starlark.String(e), nil
		},
		"file_name": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var ft starlark.Value = starlark.None
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "file_type?", &ft); err != nil {
					return nil, err
				}
			}
			e, err := g.mimesisExtension(fn, ft)
			if err != nil {
				return nil, err
			}
			b := append(g.buf[:0], g.pickS(g.t.words)...)
			b = append(b, '_')
			b = append(b, g.pickS(g.t.words)...)
			g.buf = append(b, e...)
			return g.result(), nil
		},
		"mime_type": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var mt starlark.Value = starlark.None
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "type_?", &mt); err != nil {
					return nil, err
				}
			}
			m, err := enumArg(fn, "type_", "MimeType", mt)
			if err != nil {
				return nil, err
			}
			if m == "" {
				return g.pick(g.t.mime), nil
			}
			prefix := strings.ToLower(m) + "/"
			var pool []string
			for _, s := range g.t.mime.s {
				if strings.HasPrefix(s, prefix) {
					pool = append(pool, s)
				}
			}
			if len(pool) == 0 {
				return starlark.String(prefix + "plain"), nil
			}
			return starlark.String(pool[g.r.IntN(len(pool))]), nil
		},
		"size": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			lo, hi := 1, 100
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "minimum?", &lo, "maximum?", &hi); err != nil {
					return nil, err
				}
			}
			unit := [...]string{"bytes", "kB", "MB", "GB", "TB"}[g.r.IntN(5)]
			return starlark.String(strconv.Itoa(g.intBetween(lo, hi)) + " " + unit), nil
		},
	},
	"numeric": {
		"integer_number": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			lo, hi := -1000, 1000
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "start?", &lo, "end?", &hi); err != nil {
					return nil, err
				}
			}
			return starlark.MakeInt(g.intBetween(lo, hi)), nil
		},
		"float_number": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			lo, hi, prec := starlib.FloatArg(-1000), starlib.FloatArg(1000), 15
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "start?", &lo, "end?", &hi, "precision?", &prec); err != nil {
					return nil, err
				}
			}
			return starlark.Float(roundTo(float64(lo)+g.r.Float64()*float64(hi-lo), prec)), nil
		},
		"decimal_number": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			lo, hi := starlib.FloatArg(-1000), starlib.FloatArg(1000)
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "start?", &lo, "end?", &hi); err != nil {
					return nil, err
				}
			}
			return starlark.Float(float64(lo) + g.r.Float64()*float64(hi-lo)), nil
		},
		"integers": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			lo, hi, n := 0, 10, 10
			if err := starlark.UnpackArgs(fn, args, kwargs, "start?", &lo, "end?", &hi, "n?", &n); err != nil {
				return nil, err
			}
			if err := guard.CheckCount(fn, "n", int64(n), 16); err != nil {
				return nil, err
			}
			out := make([]starlark.Value, max(n, 0))
			for i := range out {
				out[i] = starlark.MakeInt(g.intBetween(lo, hi))
			}
			return starlark.NewList(out), nil
		},
		"floats": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			lo, hi, n, prec := starlib.FloatArg(0), starlib.FloatArg(1), 10, 15
			if err := starlark.UnpackArgs(fn, args, kwargs, "start?", &lo, "end?", &hi, "n?", &n, "precision?", &prec); err != nil {
				return nil, err
			}
			if err := guard.CheckCount(fn, "n", int64(n), 16); err != nil {
				return nil, err
			}
			out := make([]starlark.Value, max(n, 0))
			for i := range out {
				out[i] = starlark.Float(roundTo(float64(lo)+g.r.Float64()*float64(hi-lo), prec))
			}
			return starlark.NewList(out), nil
		},
	},
	"development": {
		"software_license":         pickM(func(d *mimesisData) table { return d.license }),
		"programming_language":     pickM(func(d *mimesisData) table { return d.progLang }),
		"os":                       pickM(func(d *mimesisData) table { return d.os }),
		"stage":                    pickM(func(d *mimesisData) table { return d.stage }),
		"system_quality_attribute": pickM(func(d *mimesisData) table { return d.quality }),
		"ility":                    pickM(func(d *mimesisData) table { return d.quality }),
		"boolean":                  noArgs(func(g *gen, _ *localeData) starlark.Value { return starlark.Bool(g.r.IntN(2) == 0) }),
		"version": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			calver, pre := false, false
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "calver?", &calver, "pre_release?", &pre); err != nil {
					return nil, err
				}
			}
			var v string
			if calver {
				v = fmt.Sprintf("%d.%d.%d", g.intBetween(2016, g.now.Year()), g.intBetween(1, 10), g.intBetween(1, 10))
			} else {
				v = fmt.Sprintf("%d.%d.%d", g.intBetween(0, 10), g.intBetween(0, 10), g.intBetween(0, 10))
			}
			if pre {
				v += fmt.Sprintf("-%s.%d", [...]string{"alpha", "beta", "rc"}[g.r.IntN(3)], g.intBetween(1, 11))
			}
			return starlark.String(v), nil
		},
		"dsn": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var dt starlark.Value = starlark.None
			if err := starlark.UnpackArgs(fn, args, kwargs, "dsn_type?", &dt); err != nil {
				return nil, err
			}
			t, err := enumArg(fn, "dsn_type", "DSNType", dt)
			if err != nil {
				return nil, err
			}
			ports := map[string]int{"POSTGRES": 5432, "MYSQL": 3306, "MONGODB": 27017, "REDIS": 6379, "COUCHBASE": 8092, "MEMCACHED": 11211, "RABBITMQ": 5672}
			if t == "" {
				keys := sortedKeys(ports)
				t = keys[g.r.IntN(len(keys))]
			}
			scheme := strings.ToLower(t)
			if t == "POSTGRES" {
				scheme = "postgresql"
			} else if t == "RABBITMQ" {
				scheme = "amqp"
			}
			host := string(g.hostname().(starlark.String))
			return starlark.String(fmt.Sprintf("%s://%s:%d", scheme, host, ports[t])), nil
		},
	},
	"path": {
		"root": fixed("/"),
		"home": fixed("/home"),
		"user": noArgs(func(g *gen, _ *localeData) starlark.Value {
			return starlark.String("/home/" + g.pickS(loadMimesisData().users))
		}),
		"users_folder": noArgs(func(g *gen, _ *localeData) starlark.Value {
			return starlark.String("/home/" + g.pickS(loadMimesisData().users) + "/" + [...]string{"Documents", "Downloads", "Desktop", "Music", "Pictures", "Videos"}[g.r.IntN(6)])
		}),
		"dev_dir": noArgs(func(g *gen, _ *localeData) starlark.Value {
			d := loadMimesisData()
			return starlark.String("/home/" + g.pickS(d.users) + "/" + [...]string{"Development", "Dev"}[g.r.IntN(2)] + "/" + g.pickS(d.progLang))
		}),
		"project_dir": noArgs(func(g *gen, _ *localeData) starlark.Value {
			d := loadMimesisData()
			return starlark.String("/home/" + g.pickS(d.users) + "/Development/" + g.pickS(d.progLang) + "/" + g.pickS(g.t.words))
		}),
	},
	"science": {
		"dna_sequence": seqFn("TCGA"),
		"rna_sequence": seqFn("UCGA"),
		"measure_unit": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var name starlark.Value = starlark.None
			symbol := false
			if err := starlark.UnpackArgs(fn, args, kwargs, "name?", &name, "symbol?", &symbol); err != nil {
				return nil, err
			}
			m := loadMimesisData().measure
			u := m[g.r.IntN(len(m))]
			if name != starlark.None {
				s, _ := starlark.AsString(name)
				if e, ok := name.(*enumMember); ok {
					s = strings.ToLower(e.name)
				}
				found := false
				for _, x := range m {
					if x[0] == strings.ToLower(s) {
						u, found = x, true
					}
				}
				if !found {
					return nil, fmt.Errorf("%s: unknown measure unit %s", fn, pyQuote(s))
				}
			}
			if symbol {
				return starlark.String(u[1]), nil
			}
			return starlark.String(u[0]), nil
		},
		"metric_prefix": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var sign starlark.Value = starlark.None
			symbol := false
			if err := starlark.UnpackArgs(fn, args, kwargs, "sign?", &sign, "symbol?", &symbol); err != nil {
				return nil, err
			}
			s, err := enumArg(fn, "sign", "MetricPrefixSign", sign)
			if err != nil {
				return nil, err
			}
			d := loadMimesisData()
			pool := d.prefixPos
			if s == "NEGATIVE" || (s == "" && g.r.IntN(2) == 0) {
				pool = d.prefixNeg
			}
			p := pool[g.r.IntN(len(pool))]
			if symbol {
				return starlark.String(p[1]), nil
			}
			return starlark.String(p[0]), nil
		},
	},
	"transport": {
		"manufacturer": pickM(func(d *mimesisData) table { return d.carMaker }),
		"car":          pickM(func(d *mimesisData) table { return d.carMaker }),
		"airplane":     pickM(func(d *mimesisData) table { return d.airplane }),
		"vehicle_registration_code": func(g *gen, l *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var locale starlark.Value = starlark.None
			if err := starlark.UnpackArgs(fn, args, kwargs, "locale?", &locale); err != nil {
				return nil, err
			}
			if locale != starlark.None {
				if _, err := enumArg(fn, "locale", "Locale", locale); err != nil {
					return nil, err
				}
			}
			if l.countryCode == "US" {
				return starlark.String("USA"), nil
			}
			return starlark.String(l.countryCode), nil
		},
	},
	"food": {
		"vegetable": pickM(func(d *mimesisData) table { return d.vegetable }),
		"fruit":     pickM(func(d *mimesisData) table { return d.fruit }),
		"dish":      pickM(func(d *mimesisData) table { return d.dish }),
		"spices":    pickM(func(d *mimesisData) table { return d.spices }),
		"drink":     pickM(func(d *mimesisData) table { return d.drink }),
	},
	"person": {
		"height": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			lo, hi := starlib.FloatArg(1.5), starlib.FloatArg(2)
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "minimum?", &lo, "maximum?", &hi); err != nil {
					return nil, err
				}
			}
			return starlark.String(strconv.FormatFloat(float64(lo)+g.r.Float64()*float64(hi-lo), 'f', 2, 64)), nil
		},
		"weight": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			lo, hi := 38, 90
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "minimum?", &lo, "maximum?", &hi); err != nil {
					return nil, err
				}
			}
			return starlark.MakeInt(g.intBetween(lo, hi)), nil
		},
		"blood_type":      noArgs(func(g *gen, _ *localeData) starlark.Value { return g.pick(bloodGroups) }),
		"political_views": pickM(func(d *mimesisData) table { return d.political }),
		"worldview":       pickM(func(d *mimesisData) table { return d.worldview }),
		"views_on":        pickM(func(d *mimesisData) table { return d.views }),
		"university":      pickM(func(d *mimesisData) table { return d.university }),
		"academic_degree": pickM(func(d *mimesisData) table { return d.degree }),
		"language":        pickM(func(d *mimesisData) table { return d.language }),
		"identifier":      maskFn("mask", "##-##/##"),
		"birthdate": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			lo, hi := 1980, 2023
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "min_year?", &lo, "max_year?", &hi); err != nil {
					return nil, err
				}
			}
			return g.dayBetween(fn, time.Date(lo, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(hi, 12, 31, 0, 0, 0, 0, time.UTC))
		},
	},
	"finance": {
		"currency_symbol":       pickM(func(d *mimesisData) table { return d.currencySymbol }),
		"cryptocurrency_symbol": pickM(func(d *mimesisData) table { return d.cryptoSymbol }),
		"stock_name":            pickM(func(d *mimesisData) table { return d.stockName }),
		"stock_exchange":        pickM(func(d *mimesisData) table { return d.stockExchange }),
	},
	"internet": {
		"http_status_message": pickM(func(d *mimesisData) table { return d.statusMessage }),
		"public_dns": noArgs(func(g *gen, _ *localeData) starlark.Value {
			return starlark.String([...]string{"1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4", "9.9.9.9", "208.67.222.222", "208.67.220.220", "2606:4700:4700::1111", "2001:4860:4860::8888"}[g.r.IntN(9)])
		}),
		"asn": noArgs(func(g *gen, _ *localeData) starlark.Value {
			return starlark.String("AS" + strconv.Itoa(g.intBetween(1, 4199999999)))
		}),
		"port": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var pr starlark.Value = starlark.None
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "port_range?", &pr); err != nil {
					return nil, err
				}
			}
			r, err := enumArg(fn, "port_range", "PortRange", pr)
			if err != nil {
				return nil, err
			}
			if r == "" {
				r = "ALL"
			}
			b := portRanges[r]
			return starlark.MakeInt(g.intBetween(b[0], b[1])), nil
		},
		"ip_v4_with_port": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var pr starlark.Value = starlark.None
			if err := starlark.UnpackArgs(fn, args, kwargs, "port_range?", &pr); err != nil {
				return nil, err
			}
			r, err := enumArg(fn, "port_range", "PortRange", pr)
			if err != nil {
				return nil, err
			}
			if r == "" {
				r = "ALL"
			}
			b := portRanges[r]
			ip := string(g.ipv4(ipAny).(starlark.String))
			return starlark.String(ip + ":" + strconv.Itoa(g.intBetween(b[0], b[1]))), nil
		},
		"top_level_domain": tldFn,
		"tld":              tldFn,
		"url": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var scheme, portRange, tldType, subdomains starlark.Value = starlark.None, starlark.None, starlark.None, starlark.None
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "scheme?", &scheme, "port_range?", &portRange, "tld_type?", &tldType, "subdomains?", &subdomains); err != nil {
					return nil, err
				}
			}
			s, err := enumArg(fn, "scheme", "URLScheme", scheme)
			if err != nil {
				return nil, err
			}
			if s == "" {
				s = "HTTPS"
			}
			b := append(g.buf[:0], strings.ToLower(s)...)
			b = append(b, "://"...)
			b = g.appendDomain(b)
			if portRange != starlark.None {
				r, err := enumArg(fn, "port_range", "PortRange", portRange)
				if err != nil {
					return nil, err
				}
				pb := portRanges[r]
				b = append(b, ':')
				b = strconv.AppendInt(b, int64(g.intBetween(pb[0], pb[1])), 10)
			}
			g.buf = append(b, '/')
			return g.result(), nil
		},
	},
	"address": {
		"calling_code": pickM(func(d *mimesisData) table { return d.callingCode }),
		"continent": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			code := false
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "code?", &code); err != nil {
					return nil, err
				}
			}
			d := loadMimesisData()
			if code {
				return g.pick(d.continentCode), nil
			}
			return g.pick(d.continent), nil
		},
	},
	"datetime": {
		"century": noArgs(func(g *gen, _ *localeData) starlark.Value {
			return starlark.String(romanCenturies[g.r.IntN(len(romanCenturies))])
		}),
		"periodicity": pickM(func(d *mimesisData) table { return d.periodicity }),
		"gmt_offset": noArgs(func(g *gen, _ *localeData) starlark.Value {
			h := g.intBetween(-12, 14)
			sign := "+"
			if h < 0 {
				sign, h = "-", -h
			}
			return starlark.String(fmt.Sprintf("UTC %s%02d:00", sign, h))
		}),
		"week_date": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			lo, hi := 2017, g.now.Year()
			if len(args) > 0 || len(kwargs) > 0 {
				if err := starlark.UnpackArgs(fn, args, kwargs, "start?", &lo, "end?", &hi); err != nil {
					return nil, err
				}
			}
			return starlark.String(fmt.Sprintf("%d-W%d", g.intBetween(lo, hi), g.intBetween(1, 52))), nil
		},
		"formatted_date": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			format := "%Y-%m-%d"
			start, end := 2000, g.now.Year()
			if err := starlark.UnpackArgs(fn, args, kwargs, "fmt?", &format, "start?", &start, "end?", &end); err != nil {
				return nil, err
			}
			if format == "" {
				format = "%m/%d/%Y"
			}
			t, err := g.yearsInstant(fn, start, end)
			if err != nil {
				return nil, err
			}
			g.buf = starlib.AppendStrftime(g.buf[:0], t, format, true)
			return g.result(), nil
		},
		"formatted_time": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			format := "%H:%M:%S"
			if err := starlark.UnpackArgs(fn, args, kwargs, "fmt?", &format); err != nil {
				return nil, err
			}
			if format == "" {
				format = "%H:%M:%S"
			}
			g.buf = starlib.AppendStrftime(g.buf[:0], time.Unix(g.r.Int64N(86400), 0).UTC(), format, true)
			return g.result(), nil
		},
		"formatted_datetime": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			format := "%Y-%m-%d %H:%M:%S"
			start, end := 2000, g.now.Year()
			if err := starlark.UnpackArgs(fn, args, kwargs, "fmt?", &format, "start?", &start, "end?", &end); err != nil {
				return nil, err
			}
			if format == "" {
				format = "%m/%d/%Y %H:%M:%S"
			}
			t, err := g.yearsInstant(fn, start, end)
			if err != nil {
				return nil, err
			}
			g.buf = starlib.AppendStrftime(g.buf[:0], t, format, true)
			return g.result(), nil
		},
		"timestamp": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var format starlark.Value = starlark.None
			start, end := 2000, g.now.Year()
			if err := starlark.UnpackArgs(fn, args, kwargs, "fmt?", &format, "start?", &start, "end?", &end); err != nil {
				return nil, err
			}
			f, err := enumArg(fn, "fmt", "TimestampFormat", format)
			if err != nil {
				return nil, err
			}
			t, err := g.yearsInstant(fn, start, end)
			if err != nil {
				return nil, err
			}
			switch f {
			case "RFC_3339":
				g.buf = t.AppendFormat(g.buf[:0], "2006-01-02T15:04:05Z07:00")
				return g.result(), nil
			case "ISO_8601":
				g.buf, _ = starlib.AppendISOFormat(g.buf[:0], t, 'T', "auto", false)
				return g.result(), nil
			}
			return starlark.MakeInt64(t.Unix()), nil
		},
		"timezone": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var region starlark.Value = starlark.None
			if err := starlark.UnpackArgs(fn, args, kwargs, "region?", &region); err != nil {
				return nil, err
			}
			r, err := enumArg(fn, "region", "TimezoneRegion", region)
			if err != nil {
				return nil, err
			}
			if r == "" {
				return g.pick(g.t.timezone), nil
			}
			var prefix string
			for _, m := range mimesisEnumDefs["TimezoneRegion"] {
				if m[0] == r {
					prefix = m[1] + "/"
				}
			}
			var pool []string
			for _, z := range g.t.timezone.s {
				if strings.HasPrefix(z, prefix) {
					pool = append(pool, z)
				}
			}
			if len(pool) == 0 {
				return starlark.String(prefix + "UTC"), nil
			}
			return starlark.String(pool[g.r.IntN(len(pool))]), nil
		},
	},
	"text": {
		"alphabet": func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			lower := false
			if err := starlark.UnpackArgs(fn, args, kwargs, "lower_case?", &lower); err != nil {
				return nil, err
			}
			letters := upperLetters
			if lower {
				letters = lowerLetters
			}
			out := make([]starlark.Value, len(letters))
			for i := range out {
				out[i] = starlark.String(letters[i : i+1])
			}
			return starlark.NewList(out), nil
		},
	},
}

func tldFn(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var tt starlark.Value = starlark.None
	if len(args) > 0 || len(kwargs) > 0 {
		if err := starlark.UnpackArgs(fn, args, kwargs, "tld_type?", &tt); err != nil {
			return nil, err
		}
	}
	t, err := enumArg(fn, "tld_type", "TLDType", tt)
	if err != nil {
		return nil, err
	}
	switch t {
	case "CCTLD":
		return starlark.String([...]string{".us", ".uk", ".de", ".fr", ".ru", ".jp", ".cn", ".br", ".in", ".it", ".nl", ".es"}[g.r.IntN(12)]), nil
	case "GEOTLD":
		return starlark.String([...]string{".berlin", ".london", ".nyc", ".paris", ".tokyo", ".moscow", ".amsterdam"}[g.r.IntN(7)]), nil
	case "STLD":
		return starlark.String([...]string{".aero", ".asia", ".cat", ".coop", ".edu", ".gov", ".int", ".jobs", ".mil", ".mobi", ".museum", ".post", ".tel", ".travel"}[g.r.IntN(14)]), nil
	case "UTLD", "GTLD":
		return starlark.String([...]string{".com", ".net", ".org", ".info", ".biz", ".name", ".pro"}[g.r.IntN(7)]), nil
	}
	return g.pick(g.t.mimesisTLD), nil
}

func seqFn(alphabet string) fakerFn {
	return func(g *gen, _ *localeData, fn string, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		n := 10
		if len(args) > 0 || len(kwargs) > 0 {
			if err := starlark.UnpackArgs(fn, args, kwargs, "length?", &n); err != nil {
				return nil, err
			}
		}
		if err := guard.CheckCount(fn, "length", int64(n), 1); err != nil {
			return nil, err
		}
		g.buf = g.appendRandom(g.buf[:0], max(n, 0), alphabet)
		return g.result(), nil
	}
}

func roundTo(x float64, prec int) float64 {
	if prec < 0 || prec > 15 {
		return x
	}
	p := math.Pow10(prec)
	return math.Round(x*p) / p
}

// yearsInstant returns a random instant within the years start..end.
func (g *gen) yearsInstant(fn string, start, end int) (time.Time, error) {
	if start > end {
		return time.Time{}, fmt.Errorf("%s: start (%d) is after end (%d)", fn, start, end)
	}
	lo := time.Date(start, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(end+1, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	return time.Unix(lo+g.r.Int64N(hi-lo), 0).UTC(), nil
}
