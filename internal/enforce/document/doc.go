// Package document makes the numbered enforcement documents (执法文书) of a
// penalty case as PDF files with Chinese text, from templates a city can
// edit (DOMAIN.md §7.2, issue 12 "Documents, delivery and disclosure").
//
// It owns:
//
//   - the catalog of documents ([Catalog], [Lookup], [ForStatus]): 立案审批表
//     filing_approval, 勘验检查笔录 inspection_record, 询问笔录 inquiry_record,
//     权利告知书 rights_notice, 责令限期改正通知书 rectification_order, 行政处罚
//     告知书 penalty_notice, 行政处罚决定书 penalty_decision, 送达回证
//     service_receipt and 结案登记表 closing_register, each with its Chinese and
//     English name, the word of its number and the enforce statuses in which a
//     case file holds it;
//   - document numbers ([Number], [NumberFor], [ParseNumber]):
//     某城管罚告字〔2026〕第0001号, the agency's abbreviation + the
//     document's word + year + sequence;
//   - amounts in capital numerals for decisions ([AmountInWords]: 1500 →
//     壹仟伍佰元整) and in figures ([FormatAmount]);
//   - the input ([Case], a plain value the caller fills from the penalty
//     case, its records and the unsealed party), its checks ([Case.Validate])
//     and the copy that may be published ([Case.Masked]: the person's name,
//     ID number, phone and address masked as package disclose and pii do for
//     the public pages);
//   - the mapping of a penalty case to a document ([FromCase]: the case,
//     its unsealed party, its records and its timeline, whose events hold
//     the approvals) and the desk the API serves ([Desk]: which documents a
//     case holds, each rendered with its number issued once through the
//     store's [Numbers], the caller's jurisdiction applied through [Cases]);
//   - the templates ([LoadTemplates], [ParseLayout]): one embedded default
//     per code (templates/<code>.tpl), replaced by <code>.tpl files in a
//     city's directory; and the renderer ([New], [Renderer.Render]), which
//     wraps Chinese text with line-break rules, breaks A4 pages and numbers
//     them 第 N 页 共 M 页.
//
// # How the API uses it
//
//	r, err := document.New(document.Options{FontPath: os.Getenv(document.FontEnv), TemplateDir: dir})
//	// once at start-up; r is safe for concurrent use
//	for _, e := range document.ForStatus(pc.Status, pc.Procedure == enforce.Summary) { … e.Code … }
//	num, err := document.NumberFor("某城管", code, year, seq) // seq from the store's counter
//	pdf, err := r.Render(code, num, &c)                         // application/pdf
//
// [Desk] does these steps for the API: app builds it once with [OpenDesk]
// (the penalty-case service as [Cases], the enforcement store as
// [Numbers], the bureau from --bureau-name and --bureau-short), and the
// routes call [Desk.List] and [Desk.Render].
//
// Errors are errs kinds: a missing or unusable font is KindUnavailable and
// names the Debian package to install ([FontPackage], fonts-droid-fallback)
// and the override variable [FontEnv]; a bad template is KindInvalid and
// names the file and the line; input that cannot make a document is
// KindInvalid with field errors, or KindUnprocessable when the font lacks a
// character (which would otherwise print blank); an unknown code is
// KindNotFound.
//
// # The template format
//
// One directive per line, top to bottom as on the page; a line that starts
// with white space continues the one above; # starts a comment. The text
// after a directive is a Go text/template over [View] ({{.Party.Name}},
// {{.Number}}, {{.Doc.Zh}}) with the helpers date, datetime, amount,
// words, officers, join, days, blank, oneline, inc and itoa.
//
//	header {{.Bureau}}                 centred agency name
//	title 行政处罚决定书                 centred title (required)
//	number {{.Number}}                  the 文号, right-aligned
//	field 当事人 | {{.Party.Name}}       a bordered form row
//	text 当事人：{{.Party.Name}}         lines without indent
//	para 经查，{{oneline .Facts}}        paragraphs indented by two characters
//	list {{range .Evidence}}{{.}}       numbered items, one per line
//	  {{end}}
//	note 本文书一式两份。                 small print
//	sign 当事人（签名）：                 a signature line
//	seal {{.Bureau}}                    the agency and （印章）
//	date {{date .IssuedAt}}             a date line (blank when zero)
//	space 8                             vertical space in mm
//	pagebreak                           a new page
//
// Every template is filled in at load time with [SampleCase] and with an
// almost empty case, so a misspelt field fails at start-up, not when an
// officer prints.
//
// # Fonts
//
// The PDF library (codeberg.org/go-pdf/fpdf) embeds TrueType outlines only,
// so the Debian CJK packages most machines have (fonts-noto-cjk: .ttc and
// CFF .otf) cannot be used. [FontPaths] lists the TrueType ones, best
// first; .ci/run installs fonts-droid-fallback. Latin letters and digits
// are set in the PDF's built-in Helvetica, since Droid Sans Fallback has
// none. The font file is read and checked once by New.
//
// document imports the standard library, fpdf, golang.org/x/image/font/sfnt
// and cityloop/internal/{enforce, errs, org, pii, disclose}. It never imports
// net/http, database/sql, a store or an adapter, reads no environment
// variable itself, and holds no package-level mutable state: the font and
// the templates live in the [Renderer]. Sequence numbers and the storage of
// issued numbers belong to the store, behind [Numbers]; the HTTP routes to
// the API.
package document
