package hub

import (
	"encoding/json"
	"fmt"
	"time"

	"cityloop/internal/share"
)

// RecordDeleteChange is the change a withdrawn record makes: subscribers
// receive "record.delete" with the key, and the record leaves the
// dataset's current state (share.Store implementations that can delete
// records take it with the delete, in one transaction). detail, when not
// nil, says why (e.g. a withdrawn penalty decision's reason kind).
func RecordDeleteChange(id, dataset, key, publisher string, at time.Time, detail any) (share.Change, error) {
	v := changeView{ID: id, Dataset: dataset, Type: "record.delete", ChangedAt: at.UTC().Format(time.RFC3339Nano), RecordKey: key, RecordBody: detail}
	b, err := json.Marshal(v)
	if err != nil {
		return share.Change{}, fmt.Errorf("encode delete of %s/%s: %w", dataset, key, err)
	}
	return share.Change{EventID: id, Dataset: dataset, Kind: "record.delete", Department: publisher, ChangedAt: at, FedAt: at, Payload: b}, nil
}
