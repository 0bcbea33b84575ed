# 结案登记表: how the decision was carried out, why the case can close, and
# the approvals; the case then goes to the archive (归档).
header {{.Bureau}}
title 结案登记表
number {{.Number}}
field 案件编号 | {{.CaseCode}}
field 案由 | {{.Cause}}
field 当事人 | {{.Party.Name}}（{{.Party.KindZh}}）
field {{.Party.IDLabel}} | {{.Party.IDNumber}}
field 立案日期 | {{date .FiledAt}}
field 决定日期 | {{date .DecidedAt}}
field 处罚决定 | {{.Decision.KindsZh}}{{if .Decision.HasFine}}，罚款人民币{{amount .Decision.Fine}}元（大写：{{words .Decision.Fine}}）{{end}}
field 执行情况 | {{.Closing.Result}}
field 结案理由 | {{.Closing.Reason}}
field 承办人 | {{officers .Officers}}
field 审批意见 | {{range .Approvals}}{{.Role}}：{{.Opinion}}（{{.Name}}，{{date .At}}）
  {{end}}
field 结案日期 | {{date .ClosedAt}}
field 归档人 | {{.Closing.Archivist}}
