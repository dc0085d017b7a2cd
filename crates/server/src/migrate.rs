//! The schema history in `migrations/`, embedded in the binary and applied forward-only.

mod embedded {
    refinery::embed_migrations!("../../migrations");
}

/// Applies every pending migration to the database `config` names.
pub async fn run(config: &tokio_postgres::Config) -> anyhow::Result<usize> {
    let (mut client, connection) = config.connect(tokio_postgres::NoTls).await?;
    let connection = tokio::spawn(connection);
    let report = embedded::migrations::runner().run_async(&mut client).await?;
    drop(client);
    let _ = connection.await;
    Ok(report.applied_migrations().len())
}
