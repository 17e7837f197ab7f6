package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/opennca/nca/core"
)

// Portable SQL of ReceiptTx, on the same sqlTx as sqltx.go.

// InsertReceipt implements ReceiptTx.
func (t *sqlTx) InsertReceipt(ctx context.Context, r *Receipt) error {
	what := "insert receipt " + r.Number
	if r.Number == "" || r.Application == "" {
		return fmt.Errorf("store: insert receipt: %w", core.Errorf(core.KindInvalid, "receipt and application numbers are required"))
	}
	if err := checkTimes(what, r.IssuedAt, r.ResultDate); err != nil {
		return err
	}
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	refused := 0
	if r.Refused {
		refused = 1
	}
	res, err := t.exec(ctx, `INSERT INTO receipts (number, application, refused, issued_at, data)
VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		r.Number, r.Application, refused, formatTime(r.IssuedAt), string(data))
	return t.insertErr(what, "receipt number "+r.Number, res, err)
}

// GetReceipt implements ReceiptTx.
func (t *sqlTx) GetReceipt(ctx context.Context, number string) (*Receipt, error) {
	var data string
	err := t.queryRow(ctx, `SELECT data FROM receipts WHERE number = ?`, number).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("receipt " + number)
	}
	if err != nil {
		return nil, fmt.Errorf("store: get receipt %s: %w", number, err)
	}
	return decodeReceipt(data)
}

// ReceiptsByApplication implements ReceiptTx.
func (t *sqlTx) ReceiptsByApplication(ctx context.Context, application string) ([]*Receipt, error) {
	rows, err := t.query(ctx, `SELECT data FROM receipts WHERE application = ? ORDER BY issued_at, number`, application)
	if err != nil {
		return nil, fmt.Errorf("store: receipts of %s: %w", application, err)
	}
	defer rows.Close()
	var out []*Receipt
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, fmt.Errorf("store: receipts of %s: %w", application, err)
		}
		r, err := decodeReceipt(data)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: receipts of %s: %w", application, err)
	}
	return out, nil
}

func decodeReceipt(data string) (*Receipt, error) {
	var r Receipt
	if err := json.Unmarshal([]byte(data), &r); err != nil {
		return nil, fmt.Errorf("store: decode receipt: %w", err)
	}
	return &r, nil
}
