# 询问笔录 (第五十五条): who asked whom, when and where, with the officers'
# certificates shown, questions and answers, and the signatures.
header {{.Bureau}}
title 询问笔录
number {{.Number}}
field 案由 | {{.Cause}}
field 询问时间 | {{datetime .Inquiry.Start}} 至 {{datetime .Inquiry.End}}
field 询问地点 | {{.Inquiry.Place}}
field 被询问人 | {{or .Inquiry.Subject .Party.Name}}
field {{.Party.IDLabel}} | {{.Party.IDNumber}}
field 住址 | {{.Party.Address}}
field 联系电话 | {{.Party.Phone}}
field 询问人 | {{.Inquiry.Inquirer}}
field 记录人 | {{.Inquiry.Recorder}}
field 执法人员 | {{officers .Officers}}
para {{range $i, $qa := .Inquiry.QA}}问：{{oneline $qa.Q}}
  答：{{oneline $qa.A}}
  {{end}}
para 以上笔录已经被询问人核对（已向被询问人宣读），与所述一致。
sign 被询问人（签名）：
sign 询问人（签名）：
sign 记录人（签名）：
date {{date .Inquiry.End}}
