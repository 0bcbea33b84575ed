package bulletin

import (
	"bytes"
	"fmt"
	"html/template"
	"strconv"
)

// num prints a figure: "93.72", "996", "—" when there is none.
func num(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func count(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func den(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}

func meets(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "达标"
	}
	return "未达标"
}

var page = template.Must(template.New("bulletin").Funcs(template.FuncMap{"num": num, "count": count, "den": den, "meets": meets,
	"base": func(b string) template.URL { return template.URL(b) }}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.R.Bulletin.Title}}</title>
<style>body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #999;padding:.3em .6em;text-align:right}th:first-child,td:first-child,td.name{text-align:left}
.red{color:#b00}.black{color:#000;font-weight:bold}caption{font-weight:bold;text-align:left}</style></head>
<body>
<h1>{{.R.Bulletin.Title}}</h1>
<p>统计周期 Period：{{.R.Period.From.Format "2006-01-02"}} 至 {{.R.Period.LastDay.Format "2006-01-02"}}（按上报时间 by report time）；
考核方案 Scheme：{{.R.Scheme.Name.Zh}}（{{.R.Scheme.Code}} v{{.R.Scheme.Version}}）；生成时间 Generated：{{.R.Generated.Format "2006-01-02 15:04 UTC"}}</p>
<p>每个数字都链接到其背后的案件清单 / every figure links to the cases behind it.</p>
<h2>一、主要指标 Indicators</h2>
<table><caption>{{.R.Bulletin.ScopeName}}</caption>
<tr><th>指标 Indicator</th><th>数值 Value</th><th>分子 Numerator</th><th>分母 Denominator</th><th>目标 Target</th><th>达标</th><th>公式 Formula</th></tr>
{{range .R.Figures}}<tr><td>{{.Name.Zh}} {{.Name.En}}</td>
<td>{{if .NumURL}}<a href="{{base $.Base}}{{.NumURL}}">{{num .Value}}</a>{{else}}{{num .Value}}{{end}} {{.Unit}}</td>
<td>{{if .NumURL}}<a href="{{base $.Base}}{{.NumURL}}">{{count .Numerator}}</a>{{else}}{{count .Numerator}}{{end}}</td>
<td>{{if .DenURL}}<a href="{{base $.Base}}{{.DenURL}}">{{den .Denominator}}</a>{{end}}</td>
<td>{{num .Target}}</td><td>{{meets .MeetsTarget}}</td><td class="name">{{.Formula}}</td></tr>
{{end}}</table>
<h2>二、综合得分 Composite score</h2>
<p>{{.R.Bulletin.ScopeName}}：{{num .R.Score.Score}} 分 {{.R.Score.Grade}}{{if .R.Score.Deducted}}（扣分 deductions {{.R.Score.Deducted}}）{{end}}</p>
{{range $i, $rk := .R.Rankings}}
<h2>{{$rk.Title}}</h2>
<table><tr><th>名次 Rank</th><th>单位 Unit</th><th>得分 Score</th><th>等级 Grade</th>{{range $rk.Items}}<th>{{.Zh}}</th>{{end}}<th>扣分</th></tr>
{{range $rk.Rows}}<tr><td>{{if .Rank}}{{.Rank}}{{else}}—{{end}}</td><td class="name">{{.Name}}</td><td>{{num .Score}}</td><td>{{.Grade}}</td>
{{range .Parts}}<td>{{if .NumURL}}<a href="{{base $.Base}}{{.NumURL}}">{{num .Value}}</a>{{else}}{{num .Value}}{{end}}</td>{{end}}<td>{{.Deducted}}</td></tr>
{{end}}</table>
<p class="red">红榜 Red list：{{range $rk.Red}}{{.Name}}（{{num .Score}}） {{end}}</p>
<p class="black">黑榜 Black list：{{range $rk.Black}}{{.Name}}（{{num .Score}}） {{end}}</p>
{{end}}
</body></html>
`))

// RenderHTML renders r as a page whose figures link to their case lists;
// base prefixes the links (the node's address, or "" for site-relative).
func RenderHTML(r *Report, base string) ([]byte, error) {
	var buf bytes.Buffer
	if err := page.Execute(&buf, map[string]any{"R": r, "Base": base}); err != nil {
		return nil, fmt.Errorf("render bulletin HTML: %w", err)
	}
	return buf.Bytes(), nil
}
