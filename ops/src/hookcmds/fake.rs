//! A recording hook-tool runner for unit tests: records each call (argv, stdin, secret
//! files) and answers with queued, then sticky, canned output.

use super::{Runner, ToolOutput};
use std::collections::HashMap;
use std::sync::Mutex;

/// One recorded call: tool, argv, stdin, and the content of any `k#file=` argument read
/// while the tool "ran".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    pub(crate) tool: String,
    pub(crate) args: Vec<String>,
    pub(crate) stdin: Option<String>,
    pub(crate) files: Vec<(String, String, u32)>,
}

#[derive(Default)]
pub(crate) struct Fake {
    pub(crate) calls: Mutex<Vec<Call>>,
    pub(crate) answers: Mutex<Vec<(String, ToolOutput)>>,
    pub(crate) sticky: Mutex<HashMap<String, ToolOutput>>,
}

impl Fake {
    pub(crate) fn answer(&self, tool: &str, code: i32, stdout: &str, stderr: &str) {
        self.answers.lock().unwrap().push((
            tool.to_string(),
            ToolOutput {
                code: Some(code),
                signal: None,
                stdout: stdout.as_bytes().to_vec(),
                stderr: stderr.as_bytes().to_vec(),
            },
        ));
    }
}

impl Fake {
    /// Answers every call of `tool` not answered by a queued answer.
    pub(crate) fn always(&self, tool: &str, code: i32, stdout: &str, stderr: &str) {
        self.sticky.lock().unwrap().insert(
            tool.to_string(),
            ToolOutput {
                code: Some(code),
                signal: None,
                stdout: stdout.as_bytes().to_vec(),
                stderr: stderr.as_bytes().to_vec(),
            },
        );
    }

    /// The calls so far, as `tool arg arg...` lines.
    pub(crate) fn argv(&self) -> Vec<String> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .map(|c| {
                format!("{} {}", c.tool, c.args.join(" "))
                    .trim()
                    .to_string()
            })
            .collect()
    }
}

impl Runner for Fake {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> std::io::Result<ToolOutput> {
        let mut files = Vec::new();
        for arg in args {
            if let Some((key, path)) = arg.split_once("#file=") {
                use std::os::unix::fs::PermissionsExt;
                let content = std::fs::read_to_string(path)?;
                let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
                files.push((key.to_string(), content, mode));
            }
        }
        self.calls.lock().unwrap().push(Call {
            tool: tool.to_string(),
            args: args.to_vec(),
            stdin: stdin.map(|s| String::from_utf8_lossy(s).into_owned()),
            files,
        });
        let mut answers = self.answers.lock().unwrap();
        match answers.iter().position(|(t, _)| t == tool) {
            Some(i) => Ok(answers.remove(i).1),
            None => Ok(self
                .sticky
                .lock()
                .unwrap()
                .get(tool)
                .cloned()
                .unwrap_or(ToolOutput {
                    code: Some(0),
                    signal: None,
                    ..ToolOutput::default()
                })),
        }
    }
}
