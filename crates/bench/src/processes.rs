//! The processes a run starts: server instances (pinned to the server cores when asked)
//! and nginx in front of several, and how they are stopped and their logs read.

use crate::Args;
use anyhow::{Context, Result};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `program` through taskset when `--server-cpu` is given (taskset execs it: same pid).
pub(crate) fn pinned(args: &Args, program: &std::path::Path) -> Command {
    match &args.server_cpu {
        Some(cpus) => {
            let mut c = Command::new("taskset");
            c.args(["-c", cpus]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// Starts instance `index` on `port + index`.
pub(crate) fn start_server(args: &Args, data_dir: &std::path::Path, index: u16) -> Result<Child> {
    let bin = match &args.server_bin {
        Some(bin) => bin.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("no directory for this executable")?
            .join("switchboard-server"),
    };
    let mut command = pinned(args, &bin);
    command
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{}", args.port + index),
            "--ring-timeout",
            "3600",
            // The load starts calls far faster than a person: no per-account limit.
            "--call-burst",
            "0",
            // The invite's handling time, as the server measures it (invite_handling_p99_ms).
            "--metrics-listen",
            &format!("127.0.0.1:{}", metrics_port(args, index)),
            "--data-dir",
        ])
        .arg(data_dir)
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_REDIS_URL")
        .env("RUST_LOG", &args.server_log)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if let Some(database) = &args.database {
        command.args(["--database", database]);
    }
    if let Some(redis) = &args.redis {
        command.args(["--redis", redis, "--bus-channel", "bench"]);
    }
    command
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))
}

/// Where instance `index` serves its metrics: `port + 200 + index`.
pub(crate) fn metrics_port(args: &Args, index: u16) -> u16 {
    args.port + 200 + index
}

/// Debian's nginx in front of the instances on `port + 100`: round robin, WebSocket
/// upgrades passed on, keep-alive to the upstreams. A proxied socket costs a worker two
/// descriptors, and a worker cannot raise its limit past the hard one it inherits (20,000
/// on some machines): enough workers that each stays under 12,000, spread by `reuseport`.
/// Before, one worker ran out at 10,000 sockets and stopped accepting.
pub(crate) fn start_nginx(args: &Args, dir: &std::path::Path) -> Result<Child> {
    let prefix = dir.join("nginx");
    std::fs::create_dir_all(prefix.join("logs"))?;
    let workers = (args.sockets * 2).div_ceil(12_000).max(1);
    let upstreams: String = (0..args.instances)
        .map(|i| format!("        server 127.0.0.1:{};\n", args.port + i))
        .collect();
    let conf = format!(
        r#"daemon off;
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 60000; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream switchboard {{
{upstreams}        keepalive 128;
        # Under the servers' 60 s for an idle connection (nginx's default is 60 s too:
        # a request could go out on one being closed).
        keepalive_timeout 45s;
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        '' '';
    }}
    server {{
        listen 127.0.0.1:{port} backlog=4096 reuseport;
        location / {{
            proxy_pass http://switchboard;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_read_timeout 1h;
        }}
    }}
}}
"#,
        prefix = prefix.display(),
        port = args.port + 100,
    );
    let conf_path = prefix.join("nginx.conf");
    std::fs::write(&conf_path, conf)?;
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .map(std::path::Path::new)
        .find(|p| p.exists())
        .context("nginx is not installed (apt-get install nginx)")?;
    pinned(args, nginx)
        .arg("-p")
        .arg(&prefix)
        .arg("-c")
        .arg(&conf_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot start nginx")
}

/// Stops a child: SIGTERM first (nginx's master then stops its workers), SIGKILL after
/// `grace` (a server under a profiler writes its profile as it exits, slowly).
pub(crate) fn stop(child: &mut Child, grace: Duration) {
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let polls = (grace.as_millis() / 100).max(1);
    for _ in 0..polls {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The proxy's own failures (descriptors, upstream errors) on stderr, so a run that the
/// proxy limited is not read as the servers' result.
pub(crate) fn report_proxy_failures(log: &std::path::Path) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let failures: Vec<&str> = text
        .lines()
        .filter(|line| {
            line.contains("[crit]") || line.contains("[alert]") || line.contains("[error]")
        })
        .collect();
    if let Some(first) = failures.first() {
        eprintln!(
            "nginx reported {} failures during the run; the first: {first}",
            failures.len()
        );
    }
}
