package grader

import "tracetune/backend/record"

// The grader fields a record offers are derived in package record
// (record.OfferedFields), below every package that reads them, so the
// grader's item, the trainers' lines and the RFT export share one truth.
const (
	FieldReferenceToolCalls = record.FieldReferenceToolCalls
	FieldReferenceAnswer    = record.FieldReferenceAnswer
	FromTrajectory          = record.FromTrajectory
)

// Fields are the grader fields a record offers (record.GraderFields).
type Fields = record.GraderFields

// DerivedField is a field a record offers without carrying it.
type DerivedField = record.DerivedField

// ItemFields returns the grader fields a record offers: its explicit
// fields, plus references taken from a file's trajectory
// (record.OfferedFields). Test Sample, the dry run and every trainer's line
// read them here.
func ItemFields(rec record.Record) (Fields, error) { return record.OfferedFields(rec) }
