-- One row per indexed document and index version: the hash of everything the chunker and the
-- metadata read from it. A document whose hash matches, with every chunk committed, is not
-- chunked again (a no-op re-index touches no chunk). A run deletes the rows of the documents it
-- is about to change before it writes anything, and writes them back when it has committed.
CREATE TABLE rag_documents (
  version   text NOT NULL,
  source    text NOT NULL,
  doc_hash  text NOT NULL,
  chunks    int NOT NULL,
  PRIMARY KEY (version, source)
);
