// Package enforce is the pure domain core of mobile enforcement (移动执法)
// under the Administrative Penalty Law (行政处罚法, 2021 revision) and the
// three systems of 国办发〔2018〕118号 (DOMAIN.md §7).
//
// It owns:
//
//   - the penalty case and its transition table ([Decide], [Allowed]): 立案
//     with approval (第五十四条) → 调查取证 by two certified officers (第四十二条、
//     第五十五条) → 审查, with collective discussion when complex (第五十七条) →
//     法制审核 for major decisions (第五十八条) → 告知 (第四十四条) → 陈述申辩
//     (第四十五条: arguing never raises the penalty) / 听证 (第六十三条、第六十四条)
//     → 决定 within 90 days of 立案 (第六十条) → 送达 within 7 days, electronic
//     only with consent (第六十一条) → 执行 with the 3 %/day surcharge capped at
//     the fine and referral to court (第六十六条、第六十七条、第七十二条) → 结案 → 归档;
//     and the summary procedure on the spot (第五十一条、第五十二条);
//   - the approval chains and major-decision criteria as editable data ([Policy]);
//   - the legal clocks ([Term], [Clocks]): 2, 3, 5 and 7 days are working
//     days (第八十五条), longer periods are calendar days whose last day moves
//     past a holiday (民法典第二百零三条), all on the worktime calendar with
//     its holidays and 调休 working weekends;
//   - the discretion rulebook (裁量基准, 第三十四条, 国办发〔2022〕27号):
//     [Evaluate] turns facts into a level and a range, [CheckTier] refuses a
//     lower tier that exceeds its upper one, [Consistency] finds 同案不同罚;
//     the national tier is embedded (data/rulebook.json);
//   - flexible enforcement (第三十三条): [DetectExemption] for 首违不罚 and
//     轻微免罚 over the party's history, and the figures of [Measure]
//     (免罚率, share of flexible measures, 记录完整率).
//
// Decide is pure, like casework's: it takes a case, a command and an [Env]
// with the time, the calendar, the rulebook and the party's history, and
// returns the new case and its events. A decision cannot be issued while a
// record the law requires is missing ([MissingRecords]).
//
// enforce imports the standard library and cityloop/internal/{errs, org,
// worktime, catalog} only. It never imports net/http, database/sql, a store
// or an adapter, and holds no package-level mutable state; time comes in
// through Env.Now.
//
// The verbs map to the standard terms:
//
//	propose_filing 提请立案   refuse_filing 不予立案   approve / send_back 审批通过 / 退回
//	record   取证记录        conclude 调查终结        review   审查
//	legal_review 法制审核    notify   告知            statement 陈述申辩
//	request_hearing 听证申请  schedule_hearing 听证通知  hold_hearing 举行听证
//	end_statement 陈述申辩结束  propose_decision 提请处罚决定
//	serve    送达            pay      缴纳罚款        refer    申请强制执行
//	propose_closing 提请结案  archive  归档            extend   延长办案期限
//	summary  简易程序当场处罚  exempt   当场不予处罚(首违不罚/轻微免罚)
package enforce
