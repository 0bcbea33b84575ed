# 责令限期改正通知书 (第二十八条: a penalty always comes with an order to
# correct): what to correct, by when, and what follows if not.
header {{.Bureau}}
title 责令限期改正通知书
number {{.Number}}
text {{.Party.Name}}：
para 经查，你（单位）于{{datetime .OccurredAt}}在{{.Place}}有下列行为：{{oneline .Facts}}
para 上述行为违反了{{.Basis.Prohibition}}的规定。根据《中华人民共和国行政处罚法》第二十八条第一款{{if .Basis.Penalty}}及{{.Basis.Penalty}}{{end}}的规定，现责令你（单位）于{{datetime .Correction.Deadline}}前改正，改正内容如下：
para {{blank .Correction.Requirement}}
para 逾期不改正的，本机关将依法处理。
para 你（单位）如有异议，可以自收到本通知书之日起{{days .Statement.Days 3}}日内向本机关提出陈述、申辩。
text 执法人员：{{officers .Officers}}
seal {{.Bureau}}
date {{date .IssuedAt}}
sign 当事人签收：
date 年    月    日
