# 送达回证 (第六十一条): what was served on whom, how, where and when, with
# the recipient's signature; 电子送达 needs the party's consent.
header {{.Bureau}}
title 送达回证
number {{.Number}}
field 案由 | {{.Cause}}
field 受送达人 | {{or .Service.Recipient .Party.Name}}
field 送达文书 | {{.Service.Document}}
field 送达方式 | {{.Service.Method}}
field 送达地点 | {{.Service.Place}}
field 送达时间 | {{datetime .Service.At}}
field 送达人 | {{.Service.Server}}
field 受送达人签收 | 
field 备注 | {{.Service.Note}}
note 受送达人拒绝签收的，送达人应当在备注栏注明拒收事由和日期，并由见证人签名，把文书留在受送达人的住所（留置送达）。
seal {{.Bureau}}
date {{date .IssuedAt}}
