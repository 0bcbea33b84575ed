# 勘验检查笔录 (第五十五条、第四十七条): the scene as found, who was present,
# and the signatures; photographs and video are listed as evidence.
header {{.Bureau}}
title 勘验检查笔录
number {{.Number}}
field 案由 | {{.Cause}}
field 检查时间 | {{datetime .Inspect.Start}} 至 {{datetime .Inspect.End}}
field 检查地点 | {{or .Inspect.Place .Place}}
field 当事人 | {{.Party.Name}}
field {{.Party.IDLabel}} | {{.Party.IDNumber}}
field 在场人 | {{.Inspect.Present}}
field 检查人员 | {{officers .Officers}}
field 记录人 | {{.Inspect.Recorder}}
field 勘验检查情况 | {{.Inspect.Findings}}
field 现场取证 | {{join .Evidence "；"}}
para 执法人员已出示执法证件，并告知当事人依法享有的权利。以上笔录经当事人（在场人）核对无误。
sign 当事人（在场人）签名：
sign 检查人员签名：
sign 记录人签名：
date {{date .Inspect.End}}
