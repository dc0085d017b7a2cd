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

/// The connection the API serves with: logged in as `hemvist_api` when the server lets it in (the
/// private cluster trusts its socket); else the connecting role assuming `hemvist_api` with SET ROLE,
/// when it may (see V1); else the connecting role itself.
pub async fn serving_config(config: &tokio_postgres::Config) -> anyhow::Result<tokio_postgres::Config> {
    let mut as_api = config.clone();
    as_api.user("hemvist_api").password("");
    if let Ok((client, connection)) = as_api.connect(tokio_postgres::NoTls).await {
        let connection = tokio::spawn(connection);
        drop(client);
        let _ = connection.await;
        return Ok(as_api);
    }
    let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
    let connection = tokio::spawn(connection);
    let usable: bool = client
        .query_one(
            "SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hemvist_api')
                    AND pg_has_role(current_user, 'hemvist_api', 'MEMBER')",
            &[],
        )
        .await?
        .try_get(0)?;
    drop(client);
    let _ = connection.await;
    let mut serving = config.clone();
    if usable {
        serving.options("-c role=hemvist_api");
    } else {
        tracing::warn!("role hemvist_api is not available: serving as the connecting role");
    }
    Ok(serving)
}
