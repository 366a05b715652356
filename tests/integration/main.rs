//! Integration tests: the real `gostatic` binary on real and synthetic inputs.
