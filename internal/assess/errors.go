package assess

import (
	"time"

	"cityloop/internal/errs"
)

func errInvalidItem(s *Scheme, it Item, day time.Time) error {
	return errs.Invalid("考核方案 %s 的指标 %s 在 %s 不是有效的比率指标，请同时修订指标库与考核方案 / scheme %s scores %s, which is not a rate indicator in force on %s; edit the indicator book and the schemes together",
		s.Code, it.Indicator, day.Format("2006-01-02"), s.Code, it.Indicator, day.Format("2006-01-02"))
}
