# 行政处罚告知书 (第四十四条、第四十五条、第六十三条、第六十四条): the intended
# penalty, its facts, reasons and basis, and the rights to state, argue
# and, for the penalties of 第六十三条, to ask for a hearing within 5 days.
header {{.Bureau}}
title 行政处罚告知书
number {{.Number}}
text {{.Party.Name}}：
para 你（单位）{{.Cause}}一案，经本机关调查，现查明：{{oneline .Facts}}
para 以上事实有{{join .Evidence "、"}}等证据证实。
para 你（单位）的上述行为违反了{{.Basis.Prohibition}}的规定。依据{{.Basis.Penalty}}的规定{{if .Discretion.LevelZh}}，参照本机关行政处罚裁量基准（{{.Discretion.LevelZh}}，{{.Discretion.Range}}）{{end}}，本机关拟对你（单位）作出如下行政处罚：{{.Decision.KindsZh}}{{if .Decision.HasFine}}，罚款人民币{{amount .Decision.Fine}}元（大写：{{words .Decision.Fine}}）{{end}}{{if gt .Decision.Confiscated 0.0}}，没收违法所得（非法财物）价值人民币{{amount .Decision.Confiscated}}元（大写：{{words .Decision.Confiscated}}）{{end}}。
para 根据《中华人民共和国行政处罚法》第四十四条、第四十五条的规定，你（单位）有权进行陈述和申辩。请于收到本告知书之日起{{days .Statement.Days 5}}个工作日内向本机关提出陈述、申辩意见；本机关不因你（单位）陈述、申辩而给予更重的处罚。
para {{if .Hearing.Eligible}}根据《中华人民共和国行政处罚法》第六十三条、第六十四条的规定，你（单位）有权要求举行听证。要求听证的，应当在收到本告知书之日起五日内提出。{{end}}
para 逾期未提出陈述、申辩{{if .Hearing.Eligible}}或者听证要求{{end}}的，视为放弃上述权利。
text 联系人及电话：{{.Statement.Contact}}
text 联系地址：{{.Statement.Address}}
seal {{.Bureau}}
date {{date .IssuedAt}}
sign 当事人签收：
date 年    月    日
note 本文书一式两份，一份送达当事人，一份存档。
