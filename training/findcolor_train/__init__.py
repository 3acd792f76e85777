"""FindColor training pipeline: data, network, losses, training, export, evaluation."""
