"""The web app: webhooks, health, metrics, the dashboard and the review page."""
