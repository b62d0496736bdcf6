"""The document model: image, mask, request, credits, compositing. numpy + Pillow only."""
