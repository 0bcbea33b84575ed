package document

import (
	"time"

	"cityloop/internal/enforce"
)

// SampleCase is a complete, made-up case that fills every field a default
// template prints: LoadTemplates fills each template with it to find a
// misspelt field at start-up, and a city can render it to preview an
// edited template. Nothing in it is a real person.
func SampleCase() *Case {
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, shanghai) }
	return &Case{
		Bureau:   "某市城市管理综合行政执法局",
		CaseCode: "ZF-2026-000123",
		Cause:    "擅自占用城市道路堆放物料案",
		Source:   "日常巡查",
		Party: Party{Name: "张三丰", Kind: enforce.Person, IDNumber: "110101199003071234",
			Address: "某市某区建设路18号3栋2单元501室", Phone: "13800138000"},
		Place:      "某市某区建设路与人民路交叉口东北侧人行道",
		OccurredAt: at(3, 2, 9, 30),
		Facts: "当事人张三丰未经批准，自2026年3月1日起在某区建设路与人民路交叉口东北侧人行道上堆放建筑材料（砖块、沙石），" +
			"占用城市道路面积约12平方米，影响行人通行。经责令限期改正，当事人逾期未改正。",
		Evidence: []string{"现场检查笔录一份", "询问笔录一份", "现场照片六张", "执法记录仪视频一段", "当事人身份证复印件一份"},
		Basis: Basis{Prohibition: "《城市道路管理条例》第二十七条第（六）项",
			Penalty: "《城市道路管理条例》第四十二条第（一）项"},
		Discretion: Discretion{Level: enforce.LevelGeneral, Range: "500元以上2000元以下",
			Reason: "占道面积10至20平方米，首次被查处，逾期未改正，属一般情节。"},
		Decision:   Decision{Kinds: []enforce.Kind{enforce.KindFine}, Fine: 1500},
		Correction: Correction{Requirement: "清除人行道上堆放的建筑材料，恢复道路原状", Deadline: at(3, 5, 18, 0)},
		FiledAt:    at(3, 2, 15, 0),
		NotifiedAt: at(3, 16, 10, 0),
		DecidedAt:  at(3, 30, 10, 0),
		ClosedAt:   at(4, 20, 16, 0),
		IssuedAt:   at(3, 30, 10, 0),
		Officers:   []Officer{{Name: "李明", Certificate: "32010012345"}, {Name: "王芳", Certificate: "32010012346"}},
		Approvals: []Approval{
			{Role: "承办人意见", Name: "李明", Opinion: "符合立案条件，建议立案调查。", At: at(3, 2, 14, 0)},
			{Role: "法制审核意见", Name: "赵静", Opinion: "事实清楚，证据确凿，适用依据正确，程序合法，裁量适当。", At: at(3, 25, 9, 0)},
			{Role: "分管领导意见", Name: "陈刚", Opinion: "同意。", At: at(3, 26, 9, 0)},
			{Role: "主要领导意见", Name: "周伟", Opinion: "同意。", At: at(3, 27, 9, 0)},
		},
		Hearing:   Hearing{Eligible: false},
		Statement: Statement{Days: 5, Contact: "李明 0000-12345678", Address: "某市某区市民路1号执法局一楼"},
		Inquiry: Inquiry{Start: at(3, 3, 9, 0), End: at(3, 3, 9, 40), Place: "某区城管执法中队询问室",
			Inquirer: "李明", Recorder: "王芳",
			QA: []QA{
				{Q: "我们是某市城市管理综合行政执法局的执法人员，这是我们的执法证件，请过目。你是否申请回避？", A: "看过了，不申请回避。"},
				{Q: "建设路与人民路交叉口人行道上的砖块和沙石是谁堆放的？", A: "是我堆放的，准备装修房子用。"},
				{Q: "堆放前是否经过市政、公安交通部门批准？", A: "没有办理手续。"},
			}},
		Inspect: Inspection{Start: at(3, 2, 9, 30), End: at(3, 2, 10, 0), Place: "某区建设路与人民路交叉口东北侧人行道",
			Present: "张三丰（当事人）", Recorder: "王芳",
			Findings: "现场人行道上堆放砖块约2000块、沙石约3立方米，占地长约4米、宽约3米，无围挡、无警示标志。执法人员进行了拍照和录像。"},
		Service: Service{Document: "行政处罚决定书（某城管罚决字〔2026〕第0001号）", Method: "直接送达",
			Place: "某区城管执法中队", Recipient: "张三丰", At: at(3, 30, 15, 0), Server: "李明、王芳"},
		Payment: Payment{Bank: "某银行某支行", Account: "0000 0000 0000 0000", Payee: "某市财政局非税收入专户", Days: 15},
		Remedy:  Remedy{ReviewOrgan: "某市人民政府", Court: "某区人民法院"},
		Closing: Closing{Result: "当事人已于2026年4月8日缴纳罚款1500元，并已清除堆放物、恢复道路原状。",
			Reason: "行政处罚决定已执行完毕。", Archivist: "王芳"},
	}
}
