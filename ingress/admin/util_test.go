package admin_test

import (
	"encoding/json"
	"strconv"
	"time"
)

const time5m = 5 * time.Minute

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
