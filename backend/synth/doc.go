// Package synth fills coverage gaps with synthetic prompts that a person
// reviews before they count (PRODUCT.md §7, step 3's Generate): a plan per
// topic within the synthetic-share cap and its preview (records, balance
// before → after, model, tokens and cost), the strategies (Strategies, in
// order), a run that asks the generation model and checks every candidate
// as it arrives (Checker: length, assistant artefacts, placeholders, template
// braces, role labels, the health rules, exact and near duplicates of seeds
// and of each other), and the review that turns accepted candidates into
// generated records categorized into their topic.
//
// API overview:
//
//	synth.Defaults() Options                              // 3 variations, 0.7, 30 %, preserve intent
//	synth.MakePreview(ctx, st, ds, o) (Preview, error)   // nothing is spent
//	synth.Run(ctx, st, ds, o, progress) (Result, error)  // candidates stored as they are made
//	synth.List(ctx, st, ds, batchID, statuses...)        // the review list
//	synth.Accept(ctx, st, ds, ids) / AcceptPassing(ctx, st, ds, batchID) (AcceptResult, error)
//	synth.Reject(ctx, st, ds, ids) / Edit(ctx, st, ds, id, text)
//	regenerate: Run with Options{Regenerate: ids} or {RegenerateAll: true}
package synth
