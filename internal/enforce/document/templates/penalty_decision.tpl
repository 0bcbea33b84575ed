# 行政处罚决定书 (行政处罚法第五十九条). A city may reword it, but the law
# requires: the party; the facts and evidence; the legal basis; the penalty
# and how and by when to perform it; where and by when to apply for review
# or sue; the agency's name, seal and the date.
header {{.Bureau}}
title 行政处罚决定书
number {{.Number}}
text 当事人：{{.Party.Name}}（{{.Party.KindZh}}）
text {{.Party.IDLabel}}：{{.Party.IDNumber}}
text {{if .Party.IsOrganisation}}法定代表人（负责人）：{{.Party.Representative}}{{end}}
text 住所（地址）：{{.Party.Address}}
text 联系电话：{{.Party.Phone}}
para 当事人{{.Cause}}一案，本机关于{{date .FiledAt}}立案调查，现已调查终结。
para 经查，{{oneline .Facts}}
para 以上事实有下列证据证明：
list {{range .Evidence}}{{.}}
  {{end}}
para 本机关认为，当事人的上述行为违反了{{.Basis.Prohibition}}的规定，依据{{.Basis.Penalty}}的规定，应予处罚。{{if .Discretion.LevelZh}}根据本机关行政处罚裁量基准，本案属{{.Discretion.LevelZh}}情节（裁量幅度：{{.Discretion.Range}}）。{{end}}{{oneline .Discretion.Reason}}
para 本机关于{{date .NotifiedAt}}告知当事人拟作出行政处罚的事实、理由、依据、内容及依法享有的陈述、申辩{{if .Hearing.Eligible}}和要求听证{{end}}的权利。{{if .Hearing.Eligible}}{{if not .Hearing.At.IsZero}}本机关于{{date .Hearing.At}}举行了听证。{{end}}{{end}}
para 本机关决定对当事人作出如下行政处罚：{{.Decision.KindsZh}}。{{if .Decision.HasFine}}罚款人民币{{amount .Decision.Fine}}元（大写：{{words .Decision.Fine}}）。{{end}}{{if gt .Decision.Confiscated 0.0}}没收违法所得（非法财物）价值人民币{{amount .Decision.Confiscated}}元（大写：{{words .Decision.Confiscated}}）。{{end}}{{oneline .Decision.Other}}
para {{if .Decision.HasFine}}当事人应当自收到本决定书之日起{{days .Payment.Days 15}}日内，将罚款缴至{{blank .Payment.Bank}}（收款单位：{{.Payment.Payee}}，账号：{{.Payment.Account}}）。执法人员不得自行收缴罚款。到期不缴纳罚款的，本机关依据《中华人民共和国行政处罚法》第七十二条第一款第（一）项的规定，每日按罚款数额的百分之三加处罚款，加处罚款的数额不超出罚款的数额。{{end}}
para 当事人如不服本决定，可以自收到本决定书之日起六十日内向{{blank .Remedy.ReviewOrgan}}申请行政复议，也可以自收到本决定书之日起六个月内依法向{{blank .Remedy.Court}}提起行政诉讼。行政复议或者行政诉讼期间，本决定不停止执行，法律另有规定的除外。
para 当事人逾期不申请行政复议、不提起行政诉讼，又不履行本决定的，本机关将依法申请人民法院强制执行。
text 执法人员：{{officers .Officers}}
seal {{.Bureau}}
date {{date .IssuedAt}}
note 本文书一式两份，一份送达当事人，一份存档。
