# No models of its own: CVAT's IAM signals need the app to have a models module (post_migrate).
