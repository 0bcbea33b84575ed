package app

import (
	"html/template"
	"net/http"
)

// The web console is a later piece of work; until it lands the root page
// tells a visitor what is running and where the API is, in Chinese first.
var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>CityLoop 智慧城管平台</title></head>
<body>
<h1>CityLoop 智慧城管平台</h1>
<p>城市：{{.City}} · 区 {{.Districts}} 个 · 街道 {{.Streets}} 个 · 社区 {{.Communities}} 个 · 单元网格 {{.Grids}} 个</p>
<ul>
<li><a href="/api/openapi.json">接口文档 OpenAPI (/api/openapi.json)</a></li>
<li><a href="/api/v1/categories">部件/事件分类 (/api/v1/categories)</a></li>
<li><a href="/api/v1/calendar">工作日历 (/api/v1/calendar)</a></li>
<li><a href="/healthz">运行状态 (/healthz)</a></li>
</ul>
<p>用演示账号换取令牌：<code>POST /api/v1/auth/token {"username":"operator","password":"demo"}</code></p>
<p lang="en">CityLoop smart urban management platform. The JSON API is described at /api/openapi.json.</p>
</body></html>`))

func (a *App) handleHome(w http.ResponseWriter, r *http.Request) {
	at := a.World.Atlas()
	data := map[string]any{"City": "—", "Districts": len(at.Regions(2)), "Streets": len(at.Regions(3)),
		"Communities": len(at.Regions(4)), "Grids": at.Grids()}
	if c := at.City(); c != nil {
		data["City"] = c.Name
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = homePage.Execute(w, data)
}
