//! What an administrator changes for the team from Settings (issue 20): the outcomes a
//! call can be logged with, and the webhooks that tell the CRM of record. The server
//! refuses anyone else; its sentence is what the UI shows.

use crate::controller::Controller;
use crate::error::AppError;
use switchboard_protocol::crm::CallOutcomes;
use switchboard_protocol::webhooks::{NewWebhook, Webhook, WebhookDelivery};

/// Deliveries shown per endpoint: the newest.
const DELIVERIES_SHOWN: u32 = 50;

impl Controller {
    /// Replaces the team's outcomes, in order.
    pub async fn set_call_outcomes(
        &self,
        outcomes: CallOutcomes,
    ) -> Result<CallOutcomes, AppError> {
        if let Some(problem) = outcomes.problem() {
            return Err(AppError::invalid(switchboard_server::error::sentence(
                &format!("{problem}."),
            )));
        }
        Ok(self
            .phone()
            .await?
            .engine()
            .api()
            .set_call_outcomes(&outcomes)
            .await?)
    }

    pub async fn webhooks(&self) -> Result<Vec<Webhook>, AppError> {
        Ok(self.phone().await?.engine().api().webhooks().await?)
    }

    pub async fn create_webhook(&self, new: NewWebhook) -> Result<Webhook, AppError> {
        if let Some(problem) = new.problem() {
            return Err(AppError::invalid(switchboard_server::error::sentence(
                &format!("{problem}."),
            )));
        }
        Ok(self
            .phone()
            .await?
            .engine()
            .api()
            .create_webhook(&new)
            .await?)
    }

    pub async fn delete_webhook(&self, id: i64) -> Result<(), AppError> {
        Ok(self
            .phone()
            .await?
            .engine()
            .api()
            .delete_webhook(id)
            .await?)
    }

    /// The endpoint's newest deliveries: state, attempts, the last answer or error.
    pub async fn webhook_deliveries(&self, id: i64) -> Result<Vec<WebhookDelivery>, AppError> {
        Ok(self
            .phone()
            .await?
            .engine()
            .api()
            .webhook_deliveries(id, 1, DELIVERIES_SHOWN)
            .await?
            .results)
    }
}
