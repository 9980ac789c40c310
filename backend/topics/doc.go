// Package topics discovers, edits and applies a dataset's topic hierarchy
// (PRODUCT.md §6): it generates topics from the records (embeddings, or
// TF-IDF offline), offers templates and a tree editor, imports and exports
// the hierarchy as JSON, and categorizes valid records into leaf topics with
// a confidence and the method that decided.
//
// API overview (every method takes a ctx; long work also takes a progress
// callback func(done, total int64, message string), e.g. a jobs.Reporter,
// and may be nil):
//
//	svc := topics.New(st)            // resolves the LLM provider per call; WithAI for tests
//	svc.Generate(ctx, ds, GenerateOptions{K, Seed, Offline}, report) (GenerateResult, error)
//	svc.AssignmentCount(ctx, ds) (int, error)        // the "regenerate clears N" warning
//	svc.Categorize(ctx, ds, CategorizeOptions{Mode, Offline}, report) (CategorizeResult, error)
//	svc.CategorizeNew(ctx, ds, afterID, report) (NewResult, error) // what a pull or append import added
//	svc.Stats(ctx, ds) (Stats, error)                // topics, leaves, categorized, low confidence
//
//	Tree editor:  Tree(ctx, ds) ([]Node, error),
//	              AddTopic(ctx, ds, parentID, name, description, keywords) (record.Topic, cleared int, error),
//	              RenameTopic(ctx, ds, id, name), MoveTopic(ctx, ds, id, newParentID) (cleared int, error),
//	              DeleteTopic(ctx, ds, id) (cleared int, error),
//	              EditTopic(ctx, ds, id, description, keywords), SetTarget(ctx, ds, id, percent), ResetTargets(ctx, ds)
//	              ("cleared": assignments lost because a leaf became a parent or went away)
//	Templates:    Templates() []Template, ApplyTemplate(ctx, ds, key, keep)
//	JSON:         Export(ctx, ds) (Hierarchy, error), ExportJSON(ctx, ds, w),
//	              ParseHierarchy(r) (Hierarchy, error), Import(ctx, ds, h, keep)
//	Review:       LowConfidence(ctx, ds, afterID, limit) ([]LowItem, error),
//	              Confirm(ctx, ds, recordIDs), Move(ctx, ds, recordIDs, topicID)
//
// Topic names are snake_case and unique per dataset; Slug turns free text
// into such a name. Records are assigned to leaves only. Mode "all" leaves
// records a person assigned (method manual) alone.
//
// Discovery (see discover.go) finds fine clusters, groups phrasings that
// share their words into leaf topics when they are families of one topic,
// and groups the leaves under a handful of parent topics: a two-level tree.
// Offline it clusters stemmed TF-IDF reduced by LSA and neighbour-smoothed
// (vectors.go, lsa.go); BenchmarkBanking77 measures it on real messages.
//
// Offline categorization fits the same vectors (smoothed against the fitted
// corpus kept in the model, so that a record's vector does not depend on
// the other new records) and caches the fitted model and per-topic sums
// per dataset (catmodel.go), so
// that CategorizeNew and Categorize "unlabeled" read and vectorize only the
// records they assign.
package topics
