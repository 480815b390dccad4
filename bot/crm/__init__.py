"""CRM adapters: the signed outbound webhook for any CRM, HubSpot and Salesforce."""
