//! The export crate's integration tests, one binary so the suite links once per crate
//! (each file is a module).

mod loop_device;
mod media_fixture;
mod token;
mod write;
