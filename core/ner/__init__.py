"""Named-entity recognition (token classification), the pure-Python foundation every NER stage builds on:
reading and writing labelled sentences (formats: CoNLL columns, JSON lines of tokens and tags; spans: text with
character spans, tokenised and aligned to BIO tags), the one ``Sentence`` type (sentence), tag schemes (schemes:
detecting BIO/IOB1/BIOES/IO, converting between them, listing malformed tags, extracting entities) and entity-level
evaluation equal to seqeval's (metrics: precision/recall/F1 per type and averaged, token accuracy, type confusion).
A generated, team-written sample lives in example_data/.

May import: the kernel (core.config, core.store, core.paths, core.errors, core.text, core.i18n, core.tasks). Never torch.
"""
