//! Process measurements (rusage), statistics and the machine description.

use std::process::Command;
use std::time::Duration;

/// CPU time and peak RSS of a process.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    /// User CPU seconds.
    pub user: f64,
    /// System CPU seconds.
    pub sys: f64,
    /// Peak resident set size, bytes.
    pub max_rss: u64,
}

impl Usage {
    /// User plus system CPU seconds.
    pub fn cpu(&self) -> f64 {
        self.user + self.sys
    }

    fn from(ru: &libc::rusage) -> Usage {
        let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        Usage {
            user: tv(ru.ru_utime),
            sys: tv(ru.ru_stime),
            // Linux reports ru_maxrss in KiB.
            max_rss: ru.ru_maxrss as u64 * 1024,
        }
    }
}

/// getrusage(RUSAGE_SELF).
pub fn self_usage() -> Usage {
    // SAFETY: getrusage writes a plain-old-data struct that we zero first.
    unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        Usage::from(&ru)
    }
}

/// Waits for a child with wait4 and returns its exit status and resource usage.
pub fn wait_child(child: &mut std::process::Child) -> (i32, Usage) {
    let pid = child.id() as libc::pid_t;
    // SAFETY: wait4 on our own child's pid with zeroed out-parameters.
    unsafe {
        let mut status: libc::c_int = 0;
        let mut ru: libc::rusage = std::mem::zeroed();
        let r = libc::wait4(pid, &mut status, 0, &mut ru);
        assert_eq!(r, pid, "wait4 failed: {}", std::io::Error::last_os_error());
        let code = if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        };
        (code, Usage::from(&ru))
    }
}

/// The median of some samples (mean of the middle two for an even count).
pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = s.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// The smallest sample.
pub fn best(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Seconds of a duration.
pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn sh(cmd: &str) -> String {
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// Lines describing the machine and its load right now.
pub fn machine() -> Vec<String> {
    let model = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-");
    let flags = sh(
        "grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'avx512f|avx2' | sort -u | tr '\\n' ' '",
    );
    vec![
        format!("date: {}", sh("date -u '+%Y-%m-%d %H:%M:%S UTC'")),
        format!("cpu: {} ({}), nproc {}", model.trim(), flags.trim(), sh("nproc")),
        format!("memory: {}", sh("free -h | awk '/Mem:/ {print $2\" total, \"$7\" available\"}'")),
        format!("kernel: {}", sh("uname -sr")),
        format!("uptime: {}", sh("uptime")),
        format!("rustc: {}", sh("rustc --version")),
        format!(
            "busy processes (>=10% CPU): {}",
            sh("ps -eo pcpu,comm --sort=-pcpu | awk 'NR>1 && $1>=10 {printf \"%s %s%%; \", $2, $1}'")
        ),
    ]
}
