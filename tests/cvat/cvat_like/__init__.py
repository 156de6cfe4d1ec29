default_app_config = "cvat_like.apps.CvatLikeConfig"
