# 权利告知书: read out and handed over before an inquiry or inspection
# (第四十二条、第五十五条): who the officers are, and the party's rights.
header {{.Bureau}}
title 权利告知书
number {{.Number}}
text {{.Party.Name}}：
para 本机关执法人员{{officers .Officers}}正在依法对{{.Cause}}进行调查，已向你（单位）出示执法证件。根据《中华人民共和国行政处罚法》的规定，你（单位）在调查过程中享有以下权利，并应履行相应义务：
list 有权核对执法人员的执法证件；执法人员少于两人或者未出示执法证件的，有权拒绝接受调查或者检查。
  认为执法人员与本案有直接利害关系或者有其他关系可能影响公正执法的，有权申请回避。
  有权进行陈述和申辩；对已经提出的事实、理由和证据，本机关应当进行复核。
  有权对询问笔录、检查笔录进行核对；记录有遗漏或者差错的，有权要求补充或者改正。
  对涉及国家秘密、商业秘密或者个人隐私的内容，有权要求本机关依法保密。
  应当如实回答询问，协助调查或者检查，不得拒绝或者阻挠。
para 你（单位）是否申请回避：________
seal {{.Bureau}}
date {{date .IssuedAt}}
sign 当事人（签名）：
date 年    月    日
