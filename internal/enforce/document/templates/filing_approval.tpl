# 立案审批表 (第五十四条): the lead, its source and the facts found, and the
# approvals 承办人 → 法制机构 → 分管领导 → 主要领导.
header {{.Bureau}}
title 立案审批表
number {{.Number}}
field 案由 | {{.Cause}}
field 案件来源 | {{.Source}}
field 当事人 | {{.Party.Name}}（{{.Party.KindZh}}）
field {{.Party.IDLabel}} | {{.Party.IDNumber}}
field 住所（地址） | {{.Party.Address}}
field 联系电话 | {{.Party.Phone}}
field 违法时间 | {{datetime .OccurredAt}}
field 违法地点 | {{.Place}}
field 简要案情 | {{.Facts}}
field 涉嫌违反 | {{.Basis.Prohibition}}
field 处罚依据 | {{.Basis.Penalty}}
field 承办人 | {{officers .Officers}}
field 审批意见 | {{range .Approvals}}{{.Role}}：{{.Opinion}}（{{.Name}}，{{date .At}}）
  {{end}}
field 立案日期 | {{date .FiledAt}}
